// Figures (PNG) for the paper's Figures 3–5, the localization maps of spec §10 and
// training curves, plus the pixel helpers they share. Every writer is atomic.
export * from './color.js';
export * from './colormap.js';
export * from './io.js';
export * from './svg.js';
export * from './loss_curves.js';
export * from './parse_grid.js';
export * from './region_weights.js';
export * from './activations.js';
export * from './heatmap.js';
export * from './label_grid.js';
