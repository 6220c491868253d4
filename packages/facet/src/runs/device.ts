// --device: where models, batches, masks, losses and optimizer state live. The loader
// assembles batches on the host; toTensors copies each one to the device once. A CUDA
// request on a libtorch without CUDA is refused before any data is read.
import { type nn, buildInfo, cudaAvailable, loadedLibtorch, setCudnnBenchmark, setDeterministic, tidy, useLazyDevice } from '@facet/torch';

const CLI_DEVICE = /^(cpu|cuda|cuda:\d+|auto)$/;

/** Why this libtorch cannot run CUDA, naming the one loaded and how to get one that can. */
export function noCudaMessage(requested: string): string {
  return (
    `--device ${requested}: @facet/torch is built against a libtorch without CUDA (libtorch ${buildInfo().version}, ` +
    `loaded from ${loadedLibtorch() ?? 'a folder /proc does not show'}). Set LIBTORCH to an unpacked CUDA build of libtorch and ` +
    'rebuild the binding (LIBTORCH=/path/to/libtorch npm ci, or node packages/torch/scripts/build-addon.mjs), or use --device cpu.'
  );
}

/**
 * The device a run uses: 'cpu', 'cuda' or 'cuda:N' ('auto' becomes one of them, said
 * on stderr). 'lazy' (libtorch's TorchScript backend, computed on the CPU) is for tests
 * of device placement and is registered on first use.
 */
export function resolveDevice(requested = 'cpu', log: (line: string) => void = (l) => console.error(l)): string {
  if (requested === 'lazy') {
    useLazyDevice();
    return 'lazy';
  }
  if (!CLI_DEVICE.test(requested)) throw new Error(`--device must be cpu, cuda, cuda:N or auto, got '${requested}'`);
  if (requested === 'auto') {
    const picked = cudaAvailable() ? 'cuda' : 'cpu';
    log(`--device auto: ${picked}${picked === 'cpu' ? ` (libtorch ${buildInfo().version} has no CUDA)` : ''}`);
    return picked;
  }
  if (requested.startsWith('cuda') && !cudaAvailable()) throw new Error(noCudaMessage(requested));
  return requested;
}

/**
 * --cudnn-benchmark (cuDNN autotuning) and --deterministic (deterministic algorithms, and
 * deterministic cuDNN). Left as libtorch's defaults when not given.
 */
export function applyKernelChoice(o: { cudnnBenchmark?: boolean; deterministic?: boolean }): void {
  if (o.cudnnBenchmark && o.deterministic) throw new Error('--cudnn-benchmark and --deterministic exclude each other (autotuning picks algorithms by time)');
  if (o.deterministic) setDeterministic(true);
  if (o.cudnnBenchmark) setCudnnBenchmark(true);
}

/** The device of a module's first parameter ('cpu' for one without parameters). */
export function deviceOf(model: nn.Module): string {
  return model.parameters()[0]?.device ?? 'cpu';
}

/** Moves a freshly built model to the device (parameters and buffers, in place). */
export function place<M extends nn.Module>(model: M, device: string): M {
  if (device !== 'cpu') model.to(device);
  return model;
}

/**
 * Returns once the device has run everything queued (CUDA runs ops asynchronously): a
 * read of one value of the model's last parameter, for timing. Nothing to wait for on the CPU.
 */
export function waitForDevice(model: nn.Module): void {
  const params = model.parameters();
  const last = params[params.length - 1];
  if (!last || last.device === 'cpu') return;
  tidy(() => last.flatten().slice(0, 0, 1).item());
}
