// Numeric precision of a run (issue 16), by name (no libtorch here: the CLI reads it).
// fp32: every op in float32, NCHW (the default, unchanged). bf16: libtorch's CPU
// autocast runs convolutions and matrix products in bfloat16 on channels-last tensors;
// the weights stay float32 (the master copy the optimizer updates), BatchNorm keeps
// float32 statistics, and losses are computed in float32 (models/mixed_precision.ts).

export type Precision = 'fp32' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];

export function isPrecision(s: unknown): s is Precision {
  return typeof s === 'string' && (PRECISIONS as readonly string[]).includes(s);
}
