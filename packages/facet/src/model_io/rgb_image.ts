// The one picture type every path shares: packed RGB bytes, row-major (what sharp's
// `.raw()` gives for a 3-channel image, and what the page reads off a canvas).

/** Packed RGB pixels, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}
