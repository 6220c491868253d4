// Loads a parity fixture written by the PyTorch peer (`--dump`) and reruns it in facet.
import { type Tensor, noGrad, tidy, loadSafetensors, sub, cat } from '@facet/torch';
import { buildModel, type ModelName } from '../models/registry.js';
import { AttributeNet } from '../models/attribute_net.js';
import { Parser } from '../models/parser.js';
import { ENCODER_BLOCKS } from '../models/architecture.js';

export interface ParityResult {
  model: string;
  max_abs_diff: number;
  outputs: number;
}

/** The width multiplier the fixture's weights were made at (from conv41's output channels). */
export function inferWidthMult(weights: Map<string, Tensor>): number {
  const w = weights.get('encoder.conv41.conv.weight');
  if (!w) throw new Error("fixture has no 'encoder.conv41.conv.weight': not a facet/peer model fixture");
  return w.shape[0]! / ENCODER_BLOCKS[3].cout;
}

export function runParity(model: ModelName, fixturePath: string, widthMult?: number): ParityResult {
  const all = loadSafetensors(fixturePath);
  try {
    const weights = new Map([...all].filter(([k]) => !k.startsWith('input.') && !k.startsWith('output.')));
    const need = (k: string): Tensor => {
      const t = all.get(k);
      if (!t) throw new Error(`${fixturePath}: missing '${k}'`);
      return t;
    };
    const net = buildModel(model, { widthMult: widthMult ?? inferWidthMult(weights), paperInit: false });
    try {
      net.loadStateDict(weights);
      net.eval();
      return noGrad(() =>
        tidy(() => {
          let pairs: Array<[Tensor, Tensor]>;
          if (net instanceof Parser) {
            const outs = net.forward(need('input.image'));
            pairs = outs.map((o, i) => [o, need(`output.scale${i}`)]);
          } else {
            const x = model === 'naive' ? cat([need('input.image'), need('input.masks_full')], 1) : need('input.image');
            const logits = (net as AttributeNet).forward(x, { masksQuarter: need('input.masks_quarter'), masksHalf: need('input.masks_half') });
            pairs = [[logits, need('output.logits')]];
          }
          let worst = 0;
          for (const [ours, theirs] of pairs) {
            const a = ours.shape.join('x'),
              b = theirs.shape.join('x');
            if (a !== b) throw new Error(`parity: output shape ${a} differs from the fixture's ${b}`);
            worst = Math.max(worst, sub(ours, theirs).abs().max().item());
          }
          return { model, max_abs_diff: worst, outputs: pairs.length };
        }),
      );
    } finally {
      net.dispose();
    }
  } finally {
    for (const t of all.values()) t.dispose();
  }
}
