// --device's help and syntax check, without loading libtorch (predict --runtime onnx
// never loads it); runs/device.ts resolves the choice against the libtorch found.
import { InvalidArgumentError } from 'commander';

export const DEVICE_HELP = 'cpu (default) | cuda | cuda:N | auto (cuda when this libtorch has it, else cpu)';

/** commander's parser of --device: the syntax only. */
export function parseDeviceOption(v: string): string {
  if (!/^(cpu|cuda|cuda:\d+|auto)$/.test(v)) throw new InvalidArgumentError(`--device must be cpu, cuda, cuda:N or auto, got '${v}'`);
  return v;
}
