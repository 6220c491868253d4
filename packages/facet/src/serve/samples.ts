// Sample faces for the web page: a few synthetic faces (data/synth), rendered and
// encoded in memory when the server starts, so nothing has to ship as binary files.
import { encodeJpeg, synthFace } from '../data/synth/writer.js';

export interface Sample {
  name: string;
  width: number;
  height: number;
  jpeg: Buffer;
}

export async function makeSamples(count = 3, seed = 11, width = 178, height = 218): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const face = synthFace(seed, i, count, width, height);
    out.push({ name: `synthetic-${i + 1}.jpg`, width, height, jpeg: await encodeJpeg(face, 90) });
  }
  return out;
}
