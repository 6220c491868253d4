import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, tidy, liveTensors, tensor, readSafetensorsFile, optim } from '../lib/index.js';

const DIR = fileURLToPath(new URL('../../fixtures/optim/', import.meta.url));
const CONFIGS = readdirSync(DIR)
  .filter((f) => f.endsWith('.safetensors'))
  .map((f) => f.replace(/\.safetensors$/, ''))
  .sort();

interface Config {
  optimizer: 'SGD' | 'Adagrad' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[];
  steps: number;
}

interface Fixture {
  config: Config;
  t: Map<string, Tensor>;
}

function loadFixture(name: string): Fixture {
  const { metadata, tensors } = readSafetensorsFile(join(DIR, `${name}.safetensors`));
  return { config: JSON.parse(metadata['config']!) as Config, t: tensors };
}

function paramCount(f: Fixture): number {
  return [...f.t.keys()].filter((k) => /^param\.\d+\.init$/.test(k)).length;
}

function makeParams(f: Fixture): Tensor[] {
  return Array.from({ length: paramCount(f) }, (_, i) => f.t.get(`param.${i}.init`)!.clone().requiresGrad_(true).keep());
}

function makeOptimizer(f: Fixture, params: Tensor[]): optim.Optimizer<object> {
  const groups = f.config.groups.map(({ params: idx, ...rest }) => ({ params: idx.map((i) => params[i]!), ...rest }));
  const o = f.config.options as never;
  switch (f.config.optimizer) {
    case 'SGD':
      return new optim.SGD(groups as never, o);
    case 'Adagrad':
      return new optim.Adagrad(groups as never, o);
    case 'Adam':
      return new optim.Adam(groups as never, o);
    case 'AdamW':
      return new optim.AdamW(groups as never, o);
  }
}

function setGrads(f: Fixture, params: Tensor[], t: number): void {
  params.forEach((p, i) => {
    p.grad = f.t.get(`grad.${t}.${i}`) ?? null;
  });
}

for (const name of CONFIGS) {
  test(`optim ${name}: matches PyTorch 1.13 step by step`, () => {
    tidy(() => {
      const f = loadFixture(name);
      const params = makeParams(f);
      const opt = makeOptimizer(f, params);
      let worst = 0,
        bitwise = 0,
        total = 0;
      let liveAfter2 = 0;
      for (let t = 1; t <= f.config.steps; t++) {
        setGrads(f, params, t);
        opt.step();
        if (t === 2) liveAfter2 = liveTensors();
        params.forEach((p, i) => {
          const a = p.data() as Float32Array,
            b = f.t.get(`param.${i}.step${t}`)!.data() as Float32Array;
          assert.equal(a.length, b.length);
          for (let k = 0; k < a.length; k++) {
            const err = Math.abs(a[k]! - b[k]!);
            const rel = err / Math.max(Math.abs(b[k]!), 1e-12);
            worst = Math.max(worst, rel);
            total++;
            if (Object.is(a[k], b[k])) bitwise++;
            assert.ok(err <= 1e-6 * Math.abs(b[k]!) + 1e-9, `${name} step ${t} param ${i}[${k}]: ${a[k]} vs torch ${b[k]} (rel ${rel})`);
          }
        });
      }
      assert.equal(liveTensors(), liveAfter2, 'step() frees its temporaries');
      assert.ok(worst <= 1e-6, `worst relative error ${worst}`);
      if (process.env.OPTIM_VERBOSE) console.log(`${name}: worst rel ${worst}, bitwise ${bitwise}/${total}`);
      const before = liveTensors();
      const nState = opt.stateDict().tensors.size;
      opt.dispose();
      assert.equal(liveTensors(), before - nState, 'dispose() frees the state');
      for (const p of params) p.dispose();
    });
  });

  test(`optim ${name}: save -> load into a fresh optimizer -> continue is bitwise identical`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'facet-optim-'));
    try {
      tidy(() => {
        const f = loadFixture(name);
        const run = (interrupt: 'none' | 'file' | 'memory'): Tensor[] => {
          const params = makeParams(f);
          let opt = makeOptimizer(f, params);
          for (let t = 1; t <= f.config.steps; t++) {
            if (t === 6) opt.setLr(opt.getLr(0) * 0.5, 0); // a scheduled lr is part of the state
            if (t === 11 && interrupt !== 'none') {
              // a fresh process would rebuild params from a checkpoint; keep the tensors, rebuild the optimizer
              const fresh = makeOptimizer(f, params);
              if (interrupt === 'file') {
                const path = join(dir, `${name}.opt.safetensors`);
                opt.save(path);
                opt.dispose();
                fresh.load(path);
              } else {
                const sd = opt.stateDict();
                fresh.loadStateDict(sd);
                opt.dispose(); // loadStateDict copied the tensors
              }
              opt = fresh;
              assert.equal(opt.getLr(0), ((f.config.groups[0]!['lr'] ?? f.config.options['lr']) as number) * 0.5);
            }
            setGrads(f, params, t);
            opt.step();
          }
          opt.dispose();
          return params;
        };
        const a = run('none'),
          b = run('file'),
          c = run('memory');
        a.forEach((p, i) => {
          assert.deepEqual(b[i]!.bytes(), p.bytes(), `${name} param ${i} (file)`);
          assert.deepEqual(c[i]!.bytes(), p.bytes(), `${name} param ${i} (memory)`);
        });
        for (const p of [...a, ...b, ...c]) p.dispose();
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('optim: options are validated and groups checked', () => {
  tidy(() => {
    const p = tensor(new Float32Array([1, 2]), [2]).requiresGrad_(true);
    const q = tensor(new Float32Array([3]), [1]).requiresGrad_(true);
    assert.throws(() => new optim.SGD([p], { lr: -1 }), /learning rate/);
    assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /Nesterov/);
    assert.throws(() => new optim.Adam([p], { betas: [0.9, 1] }), /beta parameter at index 1/);
    assert.throws(() => new optim.Adagrad([p], { eps: -1 }), /epsilon/);
    assert.throws(() => new optim.SGD([{ params: [p] }, { params: [p, q] }], { lr: 0.1 }), /more than one parameter group/);
    assert.throws(() => new optim.SGD([], { lr: 0.1 }), /empty parameter list/);
    const derived = p.mul(2);
    assert.throws(() => new optim.SGD([derived], { lr: 0.1 }), /non-leaf/);

    const sgd = new optim.SGD([{ params: [p] }, { params: [q], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    assert.equal(sgd.getLr(0), 0.1);
    assert.equal(sgd.getLr(1), 0.5);
    assert.equal(sgd.paramGroups[1]!.momentum, 0.9);
    sgd.setLr(0.01);
    assert.deepEqual(
      sgd.paramGroups.map((g) => g.lr),
      [0.01, 0.01],
    );
    sgd.paramGroups[0]!.lr = 0.2;
    assert.equal(sgd.getLr(0), 0.2);

    // params without a grad are skipped; zeroGrad sets grads to none
    p.grad = tensor(new Float32Array([1, 1]), [2]);
    sgd.step();
    assert.deepEqual(
      p.toList().map((v) => Math.round(v * 1e6) / 1e6),
      [0.8, 1.8],
    );
    assert.deepEqual(q.toList(), [3]);
    sgd.zeroGrad();
    assert.equal(p.grad, null);
    p.grad = tensor(new Float32Array([1, 1]), [2]);
    sgd.zeroGrad(false);
    assert.deepEqual(p.grad!.toList(), [0, 0]);

    // a state dict of another optimizer type or layout is refused
    const adam = new optim.Adam([p, q]);
    assert.throws(() => adam.loadStateDict(sgd.stateDict()), /SGD optimizer given to Adam/);
    const sgd2 = new optim.SGD([p, q], { lr: 0.1 });
    assert.throws(() => sgd2.loadStateDict(sgd.stateDict()), /1 parameter groups in the state, 2 here|2 parameter groups in the state, 1 here/);
    const bad = sgd.stateDict();
    (bad.meta.groups[0] as Record<string, unknown>)['lr'] = -3;
    assert.throws(() => sgd.loadStateDict(bad), /group 0: invalid learning rate/);
    assert.equal(sgd.getLr(0), 0.2, 'a refused state dict changes nothing');
    assert.throws(() => sgd2.load(join(DIR, 'adamw.safetensors')), /has no 'facet.optim' metadata/);
    sgd.dispose();
    adam.dispose();
    sgd2.dispose();
  });
});
