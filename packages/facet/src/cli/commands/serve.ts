// `facet serve [--run DIR | --onnx FILE] [--port 8080] [--host 127.0.0.1] [--max-body 20MB] [--max-buffered SIZE]
// [--max-connections N] [--max-pixels N] [--concurrency N] [--queue N] [--runtime onnx|torch] [--threads N] [--aligned]`: the web app
// (the model runs in the browser with onnxruntime-web) and POST /v1/predict (server-side:
// the faces of any photo, found and aligned; or with --aligned, or ?align=aligned per
// request, the upload taken as an aligned face crop).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { readBundle } from '../../infer/bundle.js';
import { resolveModelDir } from '../../infer/default_model.js';
import { MAX_INPUT_PIXELS } from '../../infer/preprocess.js';
import { parseSize } from '../../serve/body.js';
import { createPredictor, type ServeRuntime } from '../../serve/predictor.js';
import { makeSamples } from '../../serve/samples.js';
import { createFacetServer, webBuilt } from '../../serve/server.js';
import { int, oneOf, threads } from '../options.js';

function sizeOption(name: string): (v: string) => number {
  return (v) => {
    try {
      return parseSize(v);
    } catch (e) {
      throw new InvalidArgumentError(`${name}: ${(e as Error).message}`);
    }
  };
}

function pixelsOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_INPUT_PIXELS)
    throw new InvalidArgumentError(`--max-pixels must be an integer in 1..${MAX_INPUT_PIXELS}, got '${v}'`);
  return n;
}

interface ServeOpts {
  run?: string;
  onnx?: string;
  port: number;
  host: string;
  maxBody: number;
  maxBuffered?: number;
  maxConnections: number;
  maxPixels: number;
  concurrency: number;
  queue: number;
  runtime: ServeRuntime;
  threads?: number;
  samples: number;
  quiet?: boolean;
  aligned?: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the web app (the model runs in the browser, onnxruntime-web) and POST /v1/predict')
    .option('--run <dir>', 'model bundle directory (bundle.json + weights.safetensors); default: the shipped model')
    .option('--onnx <file>', 'an exported model (facet export onnx, e.g. --int8) for the page and the API instead of --run')
    .option('--port <n>', 'port (0: any free one)', int('--port', 0), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--max-body <size>', 'largest request body (e.g. 20MB, 512KB)', sizeOption('--max-body'), 20 * 1024 * 1024)
    .option(
      '--max-buffered <size>',
      'request bodies held in memory by all requests together; past it 503 (default 4 × --max-body)',
      sizeOption('--max-buffered'),
    )
    .option('--max-connections <n>', 'open connections served; a request on one past them gets 503', int('--max-connections', 1), 256)
    .option('--max-pixels <n>', 'largest image in decoded pixels', pixelsOption, MAX_INPUT_PIXELS)
    .option('--concurrency <n>', 'predictions run at once', int('--concurrency', 1), 1)
    .option('--queue <n>', 'predictions waiting beyond those; more get 503', int('--queue', 0), 16)
    .option('--runtime <r>', "server-side runtime: 'onnx' (no native build) or 'torch'", oneOf('--runtime', ['onnx', 'torch'] as const), 'onnx' as ServeRuntime)
    .option('--threads <n>', 'onnxruntime intra-op threads per prediction (default: cores / concurrency)', threads('--threads'))
    .option('--aligned', 'POST /v1/predict takes uploads as aligned face crops (no face detection) unless a request says ?align=detect')
    .option('--samples <n>', 'synthetic sample faces offered on the page', int('--samples', 0), 3)
    .option('--quiet', 'no request log')
    .action(async (o: ServeOpts) => {
      if (o.onnx !== undefined && o.run !== undefined) throw new Error('serve: give either --run DIR or --onnx FILE, not both');
      const dir = o.onnx ?? resolveModelDir(o.run);
      const model = o.onnx !== undefined ? { onnxFile: o.onnx } : { bundle: readBundle(dir) };
      const predictor = await createPredictor(model, {
        runtime: o.runtime,
        threads: o.threads,
        concurrency: o.concurrency,
        align: o.aligned ? 'aligned' : 'detect',
      });
      const samples = await makeSamples(o.samples);
      const log = o.quiet ? undefined : (line: string): void => console.error(`${new Date().toISOString()} ${line}`);
      const app = createFacetServer({
        predictor,
        samples,
        maxBody: o.maxBody,
        maxBuffered: o.maxBuffered,
        maxConnections: o.maxConnections,
        maxPixels: o.maxPixels,
        concurrency: o.concurrency,
        queue: o.queue,
        log,
      });
      // a bug in one request must not take the server down
      process.on('uncaughtException', (e) => console.error(`facet serve: uncaught: ${e.stack ?? e.message}`));
      process.on('unhandledRejection', (e) => console.error(`facet serve: unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
      const { url } = await app.listen(o.port, o.host);
      if (!webBuilt()) console.error('facet serve: the web app is not built (npm run build:web); the API works');
      console.log(
        JSON.stringify({
          url,
          model: dir,
          runtime: o.runtime,
          align: predictor.align,
          onnxBytes: predictor.onnx.length,
          concurrency: o.concurrency,
          queue: o.queue,
          ...app.limits,
        }),
      );
      const stop = (): void => {
        console.error('facet serve: shutting down');
        void app
          .close()
          .then(() => predictor.dispose())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
