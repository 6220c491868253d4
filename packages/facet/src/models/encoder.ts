// conv11 … conv42 (Table 1 of the paper), shared by the parser and the attribute nets.
import { type Tensor, nn } from '@facet/torch';
import { CBP, pool } from './blocks.js';
import { Gate } from './gate.js';
import { ENCODER_BLOCKS } from './architecture.js';
import { scaled } from './width.js';

export interface EncoderOptions {
  widthMult: number;
  inChannels?: number;
  /** Blocks (1–4) whose last conv + pool become SSG gates. */
  gated?: number[];
}

export class Encoder extends nn.Module {
  readonly gated: ReadonlySet<number>;
  readonly blocks: Array<{ first: CBP; second: CBP; gate: Gate | null }> = [];
  readonly outChannels: number;

  constructor(options: EncoderOptions) {
    super();
    const w = options.widthMult;
    this.gated = new Set(options.gated ?? []);
    for (const b of this.gated) if (!ENCODER_BLOCKS.some((e) => e.block === b)) throw new RangeError(`Encoder: gated block ${b} is not one of 1–4`);
    let cin = options.inChannels ?? 3;
    for (const { block: b, cout: n } of ENCODER_BLOCKS) {
      const cout = scaled(n, w);
      const first = this.registerModule(`conv${b}1`, new CBP(cin, cout));
      const second = this.registerModule(`conv${b}2`, new CBP(cout, cout, { norm: !this.gated.has(b) }));
      const gate = this.gated.has(b) ? this.registerModule(`gate${b}`, new Gate(cout)) : null;
      this.blocks.push({ first, second, gate });
      cin = cout;
    }
    this.outChannels = cin;
  }

  /** gateMasks: region probabilities for the gated blocks (resized to each block's grid). */
  forward(x: Tensor, gateMasks: Tensor | null = null): Tensor {
    let y = x;
    this.blocks.forEach(({ first, second, gate }, i) => {
      const a = first.forward(y);
      if (y !== x) y.dispose();
      const b = second.forward(a);
      a.dispose();
      if (gate) {
        if (!gateMasks) throw new Error(`Encoder: block ${i + 1} is gated but no gate masks were given`);
        y = gate.forward(b, gateMasks);
        b.dispose();
      } else if (i < this.blocks.length - 1) {
        y = pool(b);
        b.dispose();
      } else {
        y = b;
      }
    });
    return y;
  }
}
