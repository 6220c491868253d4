export * from './body.js';
export * from './queue.js';
export * from './predictor.js';
export * from './samples.js';
export * from './server.js';
export * from './static.js';
