// @facet/torch's torch.distributed: stores, process groups, collectives, DDP's reducer.
export { Store, type TCPStoreOptions, type FileStoreOptions } from './store.js';
export { ProcessGroup, Work, type Backend, type ReduceOp } from './process_group.js';
export { initProcessGroup, envInitOptions, DEFAULT_TIMEOUT_MS, type InitOptions } from './init.js';
export { GradReducer, DEFAULT_BUCKET_BYTES } from './reducer.js';
export { isAvailable, distributedBackends } from './native_dist.js';
