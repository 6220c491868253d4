// SSP+SSG (spec §6): the average of the members' sigmoid probabilities.
import { type Tensor, tidy } from '@facet/torch';

export function averageProbabilities(logitsPerModel: Tensor[]): Tensor {
  if (logitsPerModel.length === 0) throw new Error('averageProbabilities: no models');
  return tidy(() => {
    let sum: Tensor | null = null;
    for (const l of logitsPerModel) {
      const p = l.sigmoid();
      sum = sum ? sum.add(p) : p;
    }
    return sum!.div(logitsPerModel.length);
  });
}
