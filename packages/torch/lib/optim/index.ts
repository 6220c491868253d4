export { Optimizer, type ParamGroup, type Group, type ParamState, type OptimizerStateDict, type JsonValue } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
