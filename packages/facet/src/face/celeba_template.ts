// Written by scripts/measure-align-template.ts; measure again rather than edit:
//   node dist/scripts/measure-align-template.js --data ../../../shared/data/celeba --split train
/**
 * CelebA's aligned frame (178×218) and the mean position in it of CelebA's five landmarks
 * as facet detects them (BlazeFace + FaceMesh, face/mesh_regions.ts fivePoints), over
 * 2329 of CelebA's own aligned faces (11 without a face found), measured 2026-12-01
 * with Human 3.3.6 (BlazeFace + FaceMesh), tfjs 4.22.0 wasm.
 * Coordinates are continuous (0 = the frame's left/top edge); sd is the spread over the
 * faces (detector noise and CelebA's own alignment together). "left" is the image's left.
 */
import type { AlignTemplate } from './align.js';

export const CELEBA_TEMPLATE: AlignTemplate = {
  frame: { width: 178, height: 218 },
  points: [
    { name: 'lefteye', x: 69.19, y: 111.87, sdX: 1.93, sdY: 1.41 },
    { name: 'righteye', x: 107.74, y: 111.98, sdX: 1.91, sdY: 1.43 },
    { name: 'nose', x: 87.96, y: 133.89, sdX: 7.23, sdY: 4.18 },
    { name: 'leftmouth', x: 71.6, y: 152.4, sdX: 3.21, sdY: 1.74 },
    { name: 'rightmouth', x: 105.39, y: 152.55, sdX: 3.43, sdY: 1.74 },
  ],
  measured: {
    faces: 2329,
    source: '../shared/data/celeba, train split',
    date: '2026-12-01',
    detector: 'Human 3.3.6 (BlazeFace + FaceMesh), tfjs 4.22.0 wasm',
  },
};
