// Whether this processor has bf16 matrix units (issue 16). With AMX (`amx_bf16`) oneDNN
// runs bf16 convolutions several times faster than float32; with AVX-512 BF16 alone
// (Debian's libtorch 1.13, oneDNN 2.6.3) its bf16 convolutions measured slower than
// float32 channels-last ones, the backward twice as slow (DESIGN.md, "Precision: bf16").
import { readFileSync } from 'node:fs';

export type Bf16Hardware = 'amx' | 'avx512-bf16' | 'none' | 'unknown';

/** The processor's bf16 support, from a /proc/cpuinfo text (Linux; elsewhere 'unknown'). */
export function bf16Hardware(cpuinfo: string | null = readCpuinfo()): Bf16Hardware {
  if (cpuinfo === null) return 'unknown';
  const flags = new Set(
    cpuinfo
      .match(/^flags\s*:(.*)$/m)?.[1]
      ?.trim()
      .split(/\s+/) ?? [],
  );
  if (flags.has('amx_bf16') && flags.has('amx_tile')) return 'amx';
  if (flags.has('avx512_bf16')) return 'avx512-bf16';
  return 'none';
}

/** A line for stderr when --precision bf16 is chosen on a processor that will not profit, else null. */
export function bf16Note(hardware: Bf16Hardware = bf16Hardware()): string | null {
  if (hardware === 'amx' || hardware === 'unknown') return null;
  return hardware === 'avx512-bf16'
    ? 'note: this processor has AVX-512 BF16 but no AMX; libtorch\'s bf16 convolutions ran slower than float32 ones on such a processor (DESIGN.md, "Precision: bf16"); --precision fp32-cl is the faster choice here'
    : 'note: this processor has no bf16 instructions; bf16 convolutions are emulated and slow (--precision fp32-cl is the faster choice)';
}

function readCpuinfo(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}
