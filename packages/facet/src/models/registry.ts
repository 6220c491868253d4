// Every network of the spec by name, as the CLI, training and the peer call them.
import { nn } from '@facet/torch';
import { AttributeNet } from './attribute_net.js';
import { createBBoxNet } from './bbox.js';
import { JointModel } from './joint.js';
import { Parser } from './parser.js';
import { initPaperWeights } from './init.js';

import { MODEL_NAMES, type ModelName, type SSPFeatureLayer } from './names.js';

export { ATTRIBUTE_MODELS, MODEL_NAMES, type ModelName, isModelName } from './names.js';

export interface BuildOptions {
  widthMult?: number;
  attributes?: number;
  /** SSG: gated blocks (default [3]). */
  gated?: number[];
  /** SSP: the pooled layer (default conv62, the spec). */
  sspFeatures?: SSPFeatureLayer;
  /** Paper init (default true); false keeps PyTorch's layer defaults. */
  paperInit?: boolean;
}

export function buildModel(name: ModelName, options: BuildOptions = {}): nn.Module {
  const common = { widthMult: options.widthMult ?? 1, attributes: options.attributes ?? 40 };
  let model: nn.Module;
  switch (name) {
    case 'basic':
      model = new AttributeNet({ ...common, head: 'avg' });
      break;
    case 'spp':
      model = new AttributeNet({ ...common, head: 'spp' });
      break;
    case 'naive':
      model = new AttributeNet({ ...common, head: 'avg', inChannels: 10 });
      break;
    case 'ssp':
      model = new AttributeNet({ ...common, head: 'ssp', sspFeatures: options.sspFeatures });
      break;
    case 'ssg':
      model = new AttributeNet({ ...common, head: 'avg', gated: options.gated ?? [3] });
      break;
    case 'bbox':
      model = createBBoxNet(common);
      break;
    case 'parser':
      model = new Parser({ widthMult: common.widthMult });
      break;
    case 'joint':
      model = new JointModel(common);
      break;
    default:
      throw new TypeError(`unknown model '${String(name)}' (${MODEL_NAMES.join(', ')})`);
  }
  if (options.paperInit ?? true) initPaperWeights(model);
  return model;
}
