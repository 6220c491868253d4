// An attribute run's network, built from its config.json: its method's network at the
// run's width, attribute count, gated blocks and SSP layer.
import { AttributeNet } from '../models/attribute_net.js';
import { buildModel } from '../models/registry.js';
import type { RunConfig } from './config.js';
import { METHODS } from './methods.js';

export function buildAttributeModel(config: RunConfig): AttributeNet {
  return buildModel(METHODS[config.method!].network, {
    widthMult: config.recipe.widthMult,
    attributes: config.attributeNames.length,
    gated: config.gated,
    sspFeatures: config.sspFeatures,
  }) as AttributeNet;
}
