export * from './prng.js';
export * from './raster.js';
export * from './attributes.js';
export * from './face.js';
export * from './draw.js';
export * from './writer.js';
export * from './png.js';
