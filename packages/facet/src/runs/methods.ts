// The attribute methods (spec §3–§6), each with what a run of it needs: the network it
// trains, whether a frozen parser feeds it region masks, whether its items need
// landmarks (BBox's boxes). The CLI's choices, config.json's check, the study's list and
// the forward pass all read this one table. Torch-free: the CLI reads it without libtorch.
import type { ModelName } from '../models/names.js';

export interface MethodSpec {
  network: ModelName;
  needsParser: boolean;
  needsLandmarks: boolean;
}

export const METHODS = {
  avg: { network: 'basic', needsParser: false, needsLandmarks: false },
  spp: { network: 'spp', needsParser: false, needsLandmarks: false },
  naive: { network: 'naive', needsParser: true, needsLandmarks: false },
  bbox: { network: 'bbox', needsParser: false, needsLandmarks: true },
  ssp: { network: 'ssp', needsParser: true, needsLandmarks: false },
  ssg: { network: 'ssg', needsParser: true, needsLandmarks: false },
} as const satisfies Record<string, MethodSpec>;

export type AttributeMethod = keyof typeof METHODS;

/** The methods in the table's order. */
export const METHOD_NAMES = Object.keys(METHODS) as AttributeMethod[];
