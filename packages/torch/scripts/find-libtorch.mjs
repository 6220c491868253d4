// Locates libtorch the way tch-rs does: $LIBTORCH (an unpacked libtorch, CPU or CUDA)
// or Debian's libtorch-dev under /usr. Prints what binding.gyp asks for.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function findLibtorch() {
  const root = process.env.LIBTORCH;
  if (root) {
    const lib = join(root, 'lib');
    const include = [join(root, 'include'), join(root, 'include/torch/csrc/api/include')];
    if (!existsSync(join(include[0], 'ATen/ATen.h'))) {
      throw new Error(`LIBTORCH=${root}: no include/ATen/ATen.h there; point LIBTORCH at an unpacked libtorch`);
    }
    return withDistributed({ include, lib, cuda: existsSync(join(lib, 'libtorch_cuda.so')) });
  }
  const debianLib = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'].find(
    (d) => existsSync(join(d, 'libtorch.so')) || existsSync(join(d, 'libtorch_cpu.so')),
  );
  if (debianLib && existsSync('/usr/include/ATen/ATen.h')) {
    return withDistributed({
      include: ['/usr/include', '/usr/include/torch/csrc/api/include'],
      lib: debianLib,
      cuda: readdirSync(debianLib).some((f) => f.startsWith('libtorch_cuda.so')),
    });
  }
  throw new Error('libtorch not found: on Debian run `apt-get install libtorch-dev`; elsewhere set LIBTORCH to an unpacked libtorch (CPU or CUDA)');
}

/**
 * c10d (torch.distributed) is inside libtorch_cpu, but its Gloo header includes gloo's
 * own headers, which libtorch-dev does not ship (Debian: libgloo-dev). The distributed
 * part of the addon is compiled only when they are found; without them the addon still
 * builds and @facet/torch's distributed API throws, saying how to get them. NCCL: only
 * with a CUDA libtorch whose include tree (or /usr/include) has nccl.h.
 */
function withDistributed(found) {
  const dirs = [...found.include, '/usr/include'];
  const has = (f) => dirs.some((d) => existsSync(join(d, f)));
  const gloo = has('gloo/algorithm.h') && has('torch/csrc/distributed/c10d/ProcessGroupGloo.hpp');
  const nccl = gloo && found.cuda && has('nccl.h') && has('torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp');
  return { ...found, gloo, nccl };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findLibtorch();
  const what = process.argv[2];
  if (what === '--include') console.log(found.include.join(' '));
  else if (what === '--lib') console.log(found.lib);
  else if (what === '--libs') {
    // --no-as-needed keeps libtorch_cuda loaded although no symbol of it is referenced directly.
    const cuda = found.cuda ? ' -Wl,--no-as-needed -ltorch_cuda -Wl,--as-needed' : '';
    console.log(`-L${found.lib} -Wl,-rpath,${found.lib} -ltorch -ltorch_cpu -lc10${cuda}`);
  } else if (what === '--dist-defines') {
    const defs = [];
    if (found.gloo) defs.push('FACET_WITH_GLOO', 'USE_C10D_GLOO', 'USE_DISTRIBUTED', 'USE_C10D');
    if (found.nccl) defs.push('FACET_WITH_NCCL', 'USE_C10D_NCCL');
    console.log(defs.join(' '));
  } else if (what === '--abi') console.log(process.env.LIBTORCH_CXX11_ABI ?? '1');
  else console.log(JSON.stringify(found));
}
