import type { Command } from 'commander';
import { int, oneOf, positiveNumber, threads } from '../options.js';
import { MODEL_NAMES, type ModelName } from '../../models/names.js';
import { DEVICE_HELP, parseDeviceOption } from '../device_option.js';
import { PRECISIONS, PRECISION_HELP } from '../../models/precision.js';

// Every network but the joint model, which has no single forward to time.
const BENCH_MODELS = MODEL_NAMES.filter((m) => m !== 'joint');

/** What the torch and ONNX network benchmarks share: the input, the width, the batch and the run. */
function networkShape(o: { height: number; width: number; widthMult: number; batch: number; steps: number; threads: number; seed: number }) {
  return { height: o.height, width: o.width, widthMult: o.widthMult, batch: o.batch, steps: o.steps, threads: o.threads, seed: o.seed };
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description("measure speed; prints one JSON line with the PyTorch peer's keys")
    .option('--model <name>', `network (${BENCH_MODELS.join(', ')})`, oneOf('--model', BENCH_MODELS))
    .option(
      '--runtime <name>',
      'torch (libtorch, training and inference) | onnx (onnxruntime-node, inference: ssp = parser + SSP, basic)',
      oneOf('--runtime', ['torch', 'onnx'] as const),
      'torch',
    )
    .option(
      '--precision <p>',
      `--runtime torch: ${PRECISION_HELP}; --runtime onnx: fp32 | int8 (the graph quantized, calibrated on inputs drawn like the timed ones)`,
      oneOf('--precision', [...PRECISIONS, 'int8'] as const),
      'fp32',
    )
    .option('--op <name>', 'a single op (conv2d)')
    .option('--height <n>', 'input height', int('--height', 1), 218)
    .option('--width <n>', 'input width', int('--width', 1), 178)
    .option('--width-mult <x>', 'width multiplier', positiveNumber('--width-mult'), 1)
    .option('--batch <n>', 'batch size', int('--batch', 1), 8)
    .option('--channels <n>', '--op: channels', int('--channels', 1), 64)
    .option('--size <n>', '--op: spatial size', int('--size', 1), 64)
    .option('--steps <n>', 'timed steps', int('--steps', 1), 3)
    .option('--threads <n>', 'intra-op threads', threads('--threads'), 2)
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--device <d>', `--model: ${DEVICE_HELP}`, parseDeviceOption)
    .option('--data <dir>', 'benchmark the data loader on this data set (with --height, --width, --batch)')
    .option('--workers <n>', '--data: loader worker threads', int('--workers'), 1)
    .option('--cache-dir <dir>', '--data: decoded-image cache')
    .option('--ddp-estimate', 'data-parallel scaling estimate per network: counted multiply-adds and all-reduced bytes per step, step times on --gpus GPUs')
    .option('--gpus <n>', '--ddp-estimate: GPUs', int('--gpus', 1), 8)
    .option('--gpu-tflops <x>', '--ddp-estimate: sustained fp32 TFLOP/s of one GPU', positiveNumber('--gpu-tflops'), 5)
    .option('--link-gbs <x,…>', '--ddp-estimate: all-reduce bandwidths per GPU, GB/s (default: NVLink 100, PCIe 10, 10 GbE 1.25)', '100,10,1.25')
    .option('--per-gpu-batch <n,…>', "--ddp-estimate: images per GPU per step (default: 4, the paper's 32 split over 8; 32, the paper's batch per GPU)", '4,32')
    .option(
      '--photos <dir>',
      'finding and aligning faces: ms per photo for decoding, detection + mesh, the second look, the warps and the model (with --count, --runtime, --threads, --run)',
    )
    .option('--count <n>', '--photos: photos timed (after one that warms up)', int('--count', 1), 50)
    .option('--run <dir>', '--photos: model bundle directory (default: the shipped model)')
    .option(
      '--clock <c>',
      "--model: wall (default) | cpu: images per second of this process's CPU time, steadier on a shared machine (compare with the peer timed the same way)",
      oneOf('--clock', ['wall', 'cpu'] as const),
      'wall',
    )
    .option('--profile', "--model: also print the mean milliseconds of a training step's phases (forward + loss, backward, optimizer)")
    .action(async (o) => {
      if (o.photos) {
        const { benchDetect } = await import('../../bench/detect_bench.js');
        console.log(
          JSON.stringify(await benchDetect({ photos: o.photos, count: o.count, runtime: o.runtime, threads: o.threads, ...(o.run ? { run: o.run } : {}) })),
        );
        return;
      }
      if (o.ddpEstimate) {
        const { networkCosts, scaling } = await import('../../bench/ddp_estimate.js');
        const { setNumThreads } = await import('@facet/torch');
        setNumThreads(o.threads);
        const list = (flag: string, v: string) =>
          v.split(',').map((x) => {
            const n = Number(x);
            if (!(n > 0)) throw new Error(`${flag} ${v}: expected positive numbers, comma-separated`);
            return n;
          });
        const links = list('--link-gbs', o.linkGbs),
          batches = list('--per-gpu-batch', o.perGpuBatch);
        for (const cost of networkCosts(o.height, o.width, o.widthMult)) {
          console.log(JSON.stringify(cost));
          for (const perGpuBatch of batches) {
            for (const linkGBs of links) {
              console.log(
                JSON.stringify({
                  network: cost.network,
                  gpus: o.gpus,
                  per_gpu_batch: perGpuBatch,
                  gpu_tflops: o.gpuTflops,
                  link_gbs: linkGBs,
                  ...scaling(cost, { gpus: o.gpus, perGpuBatch, gpuTflops: o.gpuTflops, linkGBs }),
                }),
              );
            }
          }
        }
        return;
      }
      if (o.runtime === 'onnx') {
        if (o.precision !== 'fp32' && o.precision !== 'int8')
          throw new Error(`bench --runtime onnx: --precision is fp32 or int8 (${o.precision} is --runtime torch)`);
        const { benchOnnx, ONNX_BENCH_MODELS } = await import('../../bench/onnx_bench.js');
        if (!(ONNX_BENCH_MODELS as readonly string[]).includes(o.model))
          throw new Error(`bench --runtime onnx: --model must be one of ${ONNX_BENCH_MODELS.join(', ')}`);
        console.log(JSON.stringify(await benchOnnx({ model: o.model, ...networkShape(o), precision: o.precision })));
        return;
      }
      if (o.precision === 'int8') throw new Error(`bench --runtime torch: --precision is ${PRECISIONS.join(', ')} (int8 is --runtime onnx)`);
      if (o.data) {
        const { benchData } = await import('../../bench/data_bench.js');
        const widthMult = o.widthMult === 1 ? 0.25 : o.widthMult;
        console.log(
          JSON.stringify(
            await benchData({
              data: o.data,
              height: o.height,
              width: o.width,
              batch: o.batch,
              steps: o.steps,
              threads: o.threads,
              workers: o.workers,
              widthMult,
              cacheDir: o.cacheDir,
            }),
          ),
        );
        return;
      }
      const { benchModel } = await import('../../bench/model_bench.js');
      const { benchOp } = await import('../../bench/op_bench.js');
      if (o.op) {
        console.log(JSON.stringify(benchOp({ op: o.op, batch: o.batch, channels: o.channels, size: o.size, steps: o.steps, threads: o.threads })));
        return;
      }
      if (!o.model) throw new Error('bench: give --model M or --op conv2d');
      const { resolveDevice } = await import('../../runs/device.js');
      const device = resolveDevice(o.device);
      console.log(
        JSON.stringify(
          benchModel({
            model: o.model as ModelName,
            ...networkShape(o),
            device,
            precision: o.precision,
            profile: Boolean(o.profile),
            clock: o.clock,
          }),
        ),
      );
    });
}
