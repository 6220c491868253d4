// The one picture type every path shares: packed RGB bytes, row-major (what sharp's
// `.raw()` gives for a 3-channel image, and what the page reads off a canvas).

/** Packed RGB pixels, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Throws, naming `where`, unless the size is whole and positive and data holds width × height × 3 bytes. */
export function checkRgbImage(img: RgbImage, where: string): void {
  const { width, height, data } = img;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new Error(`${where}: bad image size ${width}×${height}`);
  if (data.length !== width * height * 3) throw new Error(`${where}: ${data.length} bytes for ${width}×${height} RGB`);
}
