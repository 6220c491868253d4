// Numeric precision of a run (issue 16), by name (no libtorch here: the CLI reads it).
// fp32: every op in float32, NCHW (the default, unchanged). fp32-cl: float32 on
// channels-last tensors, the layout oneDNN's convolutions run fastest in where bf16 has
// no matrix units to run on (same float32 arithmetic, other summation order). bf16:
// libtorch's CPU autocast runs convolutions and matrix products in bfloat16 on
// channels-last tensors; the weights stay float32 (the master copy the optimizer
// updates), BatchNorm keeps float32 statistics, and losses are computed in float32
// (models/mixed_precision.ts).

export type Precision = 'fp32' | 'fp32-cl' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp32-cl', 'bf16'];

/** The --precision help shared by the commands that take it. */
export const PRECISION_HELP =
  'fp32 (default) | fp32-cl (float32 on channels-last tensors: faster convolutions on CPUs without bf16 matrix units) | bf16 (convolutions and matrix products in bfloat16 on channels-last tensors; float32 weights, optimizer, BatchNorm statistics and losses)';

export function isPrecision(s: unknown): s is Precision {
  return typeof s === 'string' && (PRECISIONS as readonly string[]).includes(s);
}
