// The networks' layers as Table 1 of the paper gives them, channels at width 1
// (width.ts scales them), torch-free: the models build from this table, and so do the
// state-dict layout (weight_layout.ts), the ONNX exporter and the benchmark's weights.

/**
 * Encoder blocks (conv11 … conv42), each two 3×3 cbp layers conv{b}1 (the previous
 * block's channels → cout; block 1 takes the image) and conv{b}2 (cout → cout). A 2×2
 * ceil-mode pool follows every block but the last.
 */
export const ENCODER_BLOCKS = [
  { block: 1, cout: 64 },
  { block: 2, cout: 128 },
  { block: 3, cout: 256 },
  { block: 4, cout: 512 },
] as const;

/**
 * The parser's decoder in order of use: deconv{b}1 (cin → cout) and deconv{b}2 (cout →
 * cout), transposed 3×3 dbp layers, then the head deconv{b}3 (cout → the regions). The
 * output is upsampled to the next block's scale after every block but the last.
 */
export const DECODER_BLOCKS = [
  { block: 4, cin: 512, cout: 512 },
  { block: 3, cin: 512, cout: 256 },
  { block: 2, cin: 256, cout: 128 },
  { block: 1, cin: 128, cout: 64 },
] as const;

/**
 * The attribute net past the encoder (spec §3): conv{b}1 (cin → cout) and conv{b}2
 * (cout → cout) for b = 5, 6, with a 2×2 ceil-mode pool between conv52 and conv61.
 */
export const ATTRIBUTE_BLOCKS = [
  { block: 5, cin: 512, cout: 512 },
  { block: 6, cin: 512, cout: 1024 },
] as const;

/** The attribute net's heads: "Avg. Pooling" (spec §3), SPPNet* (§6), SSP (§4). */
export type AttributeHead = 'avg' | 'spp' | 'ssp';

/** SPPNet*'s max-pool grids (spec §6), g×g cells each. */
export const SPP_GRIDS = [1, 2] as const;

/**
 * Inputs of a head's Linear over the last conv's C channels: fc takes the global average
 * (avg, C) or SPPNet*'s cells (C·Σ g²); SSP's rec and loc take one region's C features.
 */
export function headInputs(head: AttributeHead, channels: number): number {
  return head === 'spp' ? channels * SPP_GRIDS.reduce((n, g) => n + g * g, 0) : channels;
}
