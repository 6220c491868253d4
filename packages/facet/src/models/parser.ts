// The face parser (spec §2, Table 1 of the paper): encoder, mirrored decoder of
// transposed convs, and a 7-class head before each upsampling (deep supervision).
import { type Tensor, nn, tidy, logSoftmax, logsumexp, cat, tensor, nllLoss } from '@facet/torch';
import { CBP } from './blocks.js';
import { Encoder } from './encoder.js';
import { DECODER_BLOCKS } from './architecture.js';
import { scaled } from './width.js';
import { REGION_COUNT } from '../regions.js';

export interface ParserOptions {
  widthMult?: number;
}

/** Logits per scale: 1/8 (deconv43), 1/4 (deconv33), 1/2 (deconv23), 1/1 (deconv13). */
export type ParserOutputs = [Tensor, Tensor, Tensor, Tensor];

export class Parser extends nn.Module {
  readonly encoder: Encoder;
  readonly decoder: Array<{ first: CBP; second: CBP; head: nn.ConvTranspose2d }> = [];
  readonly widthMult: number;

  constructor(options: ParserOptions = {}) {
    super();
    const w = (this.widthMult = options.widthMult ?? 1);
    this.encoder = this.registerModule('encoder', new Encoder({ widthMult: w }));
    for (const { block, cin, cout } of DECODER_BLOCKS) {
      const i = scaled(cin, w),
        o = scaled(cout, w);
      const first = this.registerModule(`deconv${block}1`, new CBP(i, o, { transposed: true }));
      const second = this.registerModule(`deconv${block}2`, new CBP(o, o, { transposed: true }));
      const head = this.registerModule(`deconv${block}3`, new nn.ConvTranspose2d(o, REGION_COUNT, 3, { padding: 1 }));
      this.decoder.push({ first, second, head });
    }
  }

  forward(x: Tensor): ParserOutputs {
    const [, , H, W] = x.shape as [number, number, number, number];
    const half: [number, number] = [Math.ceil(H / 2), Math.ceil(W / 2)];
    const quarter: [number, number] = [Math.ceil(half[0] / 2), Math.ceil(half[1] / 2)];
    // Upsample to the exact size of the matching encoder stage (odd sizes included).
    const sizes: Array<[number, number] | null> = [quarter, half, [H, W], null];
    let y = this.encoder.forward(x);
    const outs: Tensor[] = [];
    this.decoder.forEach(({ first, second, head }, i) => {
      const a = first.forward(y);
      y.dispose();
      const b = second.forward(a);
      a.dispose();
      outs.push(head.forward(b));
      const size = sizes[i];
      if (size) {
        y = nn.functional.interpolate(b, { size });
        b.dispose();
      } else {
        y = b;
      }
    });
    y.dispose();
    return outs as ParserOutputs;
  }
}

/** Pixels labelled 255 (unlabelled) take no part in the loss. */
export const IGNORE_LABEL = 255;

export interface ParserLossOptions {
  /**
   * Coarse labels (e.g. LFW Part Labels' hair / skin / background): label c covers
   * fine regions coarseToFine[c], and its probability is the sum of theirs
   * (a partial-label loss), so the 7-region parser learns from coarse masks.
   */
  coarseToFine?: readonly (readonly number[])[];
  /** per-class weights (median-frequency balancing: thin parts count more), of the fine classes or, with coarseToFine, the coarse ones */
  classWeights?: Tensor | null;
}

/** −log P(label) per pixel, averaged over labelled pixels, for one scale's logits. */
export function pixelLoss(logits: Tensor, target: Tensor, options: ParserLossOptions = {}): Tensor {
  if (!options.coarseToFine) return nn.functional.crossEntropy(logits, target, { ignoreIndex: IGNORE_LABEL, weight: options.classWeights ?? null });
  return tidy(() => {
    const logp = logSoftmax(logits, 1);
    const coarse = cat(
      options.coarseToFine!.map((fine) => {
        const idx = tensor(fine.map(Number), { dtype: 'int64', device: logits.device });
        return logsumexp(logp.indexSelect(1, idx), [1], true);
      }),
      1,
    );
    return nllLoss(coarse, target, options.classWeights ?? null, 1, IGNORE_LABEL);
  });
}

/**
 * Deep-supervision loss: the pixel loss at each scale against the labels downsampled
 * by nearest neighbour, averaged with equal weights.
 */
export function parserLoss(outputs: ParserOutputs, labels: Tensor, options: ParserLossOptions = {}): Tensor {
  return tidy(() => {
    const lab = labels.unsqueeze(1).toDtype('float32');
    let total: Tensor | null = null;
    for (const o of outputs) {
      const [, , h, w] = o.shape as [number, number, number, number];
      const target = nn.functional
        .interpolate(lab, { size: [h, w] })
        .squeeze(1)
        .toDtype('int64');
      const l = pixelLoss(o, target, options);
      total = total ? total.add(l) : l;
    }
    return total!.div(outputs.length);
  });
}
