// Where an attribute lives (spec §10), with no spatial labels: for image n and
// attribute a, heat[a](x,y) = Σ_r w[r,a]·m_r(x,y)·⟨W_rec[a], A(x,y)⟩ on the last conv's grid.
import { type Tensor, conv2d, tidy } from '@facet/torch';
import type { AttributeNet, AttributeOutputs } from './attribute_net.js';

/** N×A×h×w heat maps from an SSP forward (forwardDetailed's outputs). */
export function attributeHeatmaps(net: AttributeNet, out: AttributeOutputs): Tensor {
  if (!net.sspHead || !out.ssp) throw new Error('attributeHeatmaps: needs an SSP model and its detailed outputs');
  const { regionWeights, gridMasks } = out.ssp;
  return tidy(() => {
    const [n, , h, w] = gridMasks.shape as [number, number, number, number];
    const rec = net.sspHead!.rec.weight; // A×C
    const scores = conv2d(out.features, rec.unsqueeze(-1).unsqueeze(-1)); // N×A×h×w, ⟨W_rec[a], A(x,y)⟩
    const spread = regionWeights.transpose(1, 2).bmm(gridMasks.flatten(2)); // N×A×(h·w): Σ_r w[r,a]·m_r
    return spread.view([n, -1, h, w]).mul(scores);
  });
}
