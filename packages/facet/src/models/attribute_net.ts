// The 12-conv attribute network (spec §3) with its heads: global average pooling (the
// paper's "Avg. Pooling" baseline), SPPNet* (§6), SSP (§4); SSG (§5) is this network
// with gated encoder blocks, Naive (§6) with 10 input channels.
import { type Tensor, nn, adaptiveMaxPool2d, cat, tidy } from '@facet/torch';
import { CBP, pool } from './blocks.js';
import { Encoder } from './encoder.js';
import { SSPHead, type SSPOutputs } from './ssp_head.js';
import { MAX_POOLED_REGIONS } from '../regions.js';
import type { SSPFeatureLayer } from './names.js';
import { ATTRIBUTE_BLOCKS, SPP_GRIDS, type AttributeHead, headInputs } from './architecture.js';
import { scaled } from './width.js';

export interface AttributeNetOptions {
  widthMult?: number;
  attributes?: number;
  head?: AttributeHead;
  /** Encoder blocks gated by SSG (e.g. [3]). */
  gated?: number[];
  /** 3 (RGB); 10 for Naive (RGB + 7 region probabilities), which adds an input BatchNorm. */
  inChannels?: number;
  /** SSP: regions shrunk by max pooling ([] for BBox's boxes). */
  maxPooled?: readonly number[];
  /** SSP: the layer whose activations are pooled (default conv62). */
  sspFeatures?: SSPFeatureLayer;
  /** Joint model: conv11…conv42 owned by the parser (not registered here). */
  sharedEncoder?: Encoder;
}

/** Masks a forward pass may need: SSG's at 1/4 scale, SSP's (or BBox's boxes) at 1/2. */
export interface RegionInputs {
  masksQuarter?: Tensor | null;
  masksHalf?: Tensor | null;
}

export interface AttributeOutputs {
  logits: Tensor;
  /** The last conv's output A (N×C×h×w): conv62's, or SSP's sspFeatures layer. */
  features: Tensor;
  /** SSP only. */
  ssp?: SSPOutputs;
}

export class AttributeNet extends nn.Module {
  readonly head: AttributeHead;
  readonly innorm: nn.BatchNorm2d | null;
  readonly encoder: Encoder;
  readonly conv51: CBP | null;
  readonly conv52: CBP | null;
  readonly conv61: CBP | null;
  readonly conv62: CBP | null;
  readonly sspFeatures: SSPFeatureLayer;
  readonly fc: nn.Linear | null;
  readonly sspHead: SSPHead | null;
  readonly attributes: number;

  constructor(options: AttributeNetOptions = {}) {
    super();
    const w = options.widthMult ?? 1;
    const cin = options.inChannels ?? 3;
    this.head = options.head ?? 'avg';
    this.attributes = options.attributes ?? 40;
    this.sspFeatures = options.sspFeatures ?? 'conv62';
    if (this.sspFeatures !== 'conv62' && this.head !== 'ssp')
      throw new Error(`AttributeNet: sspFeatures ${this.sspFeatures} needs the SSP head, not '${this.head}'`);
    this.innorm = cin !== 3 ? this.registerModule('innorm', new nn.BatchNorm2d(cin)) : null;
    this.encoder = options.sharedEncoder ?? this.registerModule('encoder', new Encoder({ widthMult: w, inChannels: cin, gated: options.gated }));
    const [b5, b6] = ATTRIBUTE_BLOCKS;
    const c5 = { cin: scaled(b5.cin, w), cout: scaled(b5.cout, w) },
      c6 = { cin: scaled(b6.cin, w), cout: scaled(b6.cout, w) };
    const upTo5 = this.sspFeatures !== 'conv42',
      upTo6 = this.sspFeatures === 'conv62';
    this.conv51 = upTo5 ? this.registerModule('conv51', new CBP(c5.cin, c5.cout)) : null;
    this.conv52 = upTo5 ? this.registerModule('conv52', new CBP(c5.cout, c5.cout)) : null;
    this.conv61 = upTo6 ? this.registerModule('conv61', new CBP(c6.cin, c6.cout)) : null;
    this.conv62 = upTo6 ? this.registerModule('conv62', new CBP(c6.cout, c6.cout)) : null;
    const channels = upTo6 ? c6.cout : upTo5 ? c5.cout : this.encoder.outChannels;
    if (this.head === 'ssp') {
      // Registered flat (rec, loc) to keep the PyTorch peer's names.
      this.sspHead = new SSPHead(headInputs('ssp', channels), this.attributes, options.maxPooled ?? MAX_POOLED_REGIONS);
      for (const [name, child] of this.sspHead.namedChildren()) this.registerModule(name, child);
      this.fc = null;
    } else {
      this.sspHead = null;
      this.fc = this.registerModule('fc', new nn.Linear(headInputs(this.head, channels), this.attributes));
    }
  }

  /** conv11 … conv62 (or … sspFeatures): the last conv's activations A. */
  features(x: Tensor, masks: RegionInputs = {}): Tensor {
    return tidy(() => {
      const input = this.innorm ? this.innorm.forward(x) : x;
      const e = this.encoder.forward(input, masks.masksQuarter ?? null);
      if (!this.conv51 || !this.conv52) return e;
      const c52 = this.conv52.forward(this.conv51.forward(e));
      if (!this.conv61 || !this.conv62) return c52;
      return this.conv62.forward(this.conv61.forward(pool(c52)));
    });
  }

  forwardDetailed(x: Tensor, masks: RegionInputs = {}): AttributeOutputs {
    const features = this.features(x, masks);
    if (this.sspHead) {
      if (!masks.masksHalf) throw new Error('AttributeNet: the SSP head needs region masks (masksHalf)');
      const ssp = this.sspHead.forwardDetailed(features, masks.masksHalf);
      return { logits: ssp.logits, features, ssp };
    }
    const logits = tidy(() => {
      const pooled =
        this.head === 'avg'
          ? features.mean([2, 3])
          : cat(
              SPP_GRIDS.map((g) => adaptiveMaxPool2d(features, [g, g]).flatten(1)),
              1,
            );
      return this.fc!.forward(pooled);
    });
    return { logits, features };
  }

  /** Attribute logits (N×attributes). */
  forward(x: Tensor, masks: RegionInputs = {}): Tensor {
    const out = this.forwardDetailed(x, masks);
    out.features.dispose();
    if (out.ssp) {
      out.ssp.regionWeights.dispose();
      out.ssp.gridMasks.dispose();
      out.ssp.regionScores.dispose();
    }
    return out.logits;
  }
}
