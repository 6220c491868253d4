// Channel counts at a width multiplier, without the networks: the torch-free state-dict
// layout (weight_layout.ts) sizes its tensors with it too.

/** Channels at a width multiplier: max(1, ⌊n·w⌋), as the PyTorch peer computes them. */
export function scaled(n: number, widthMult: number): number {
  return Math.max(1, Math.floor(n * widthMult));
}
