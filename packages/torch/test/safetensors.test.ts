import { test } from 'node:test';
import { rng } from './helpers/gradcheck.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  native,
  Tensor,
  tidy,
  type DType,
  ELEMENT_SIZE,
  parseSafetensors,
  serializeSafetensors,
  loadSafetensors,
  readSafetensorsFile,
  saveSafetensors,
  type SafetensorsEntry,
} from '../lib/index.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/safetensors/', import.meta.url));

function randomBytesFor(dtype: DType, numel: number, rnd: () => number): Uint8Array {
  const b = new Uint8Array(numel * ELEMENT_SIZE[dtype]);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  if (dtype === 'bool') for (let i = 0; i < b.length; i++) b[i] = b[i]! & 1;
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16') {
    // keep floats finite and non-NaN so that value equality is meaningful: clear the top exponent bit
    const sz = ELEMENT_SIZE[dtype];
    for (let i = sz - 1; i < b.length; i += sz) b[i] = b[i]! & 0x3f;
  }
  return b;
}

function raw(dtype: DType, shape: number[], bytes: Uint8Array): Tensor {
  return new Tensor(native.fromBuffer(bytes, shape, dtype));
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'facet-st-'));
}

const ALL: DType[] = ['float32', 'float64', 'bfloat16', 'float16', 'int64', 'int32', 'uint8', 'bool'];

test('safetensors: round trip of every dtype, incl. 0-d and empty tensors', () => {
  const rnd = rng(1);
  const dir = tmp();
  try {
    tidy(() => {
      const tensors = new Map<string, Tensor>();
      for (const dt of ALL) {
        for (const shape of [[2, 3], [], [0], [4, 0, 2], [1, 1, 5]]) {
          const numel = shape.reduce((a, b) => a * b, 1);
          tensors.set(`${dt}.${shape.join('x') || 'scalar'}`, raw(dt, shape, randomBytesFor(dt, numel, rnd)));
        }
      }
      const path = join(dir, 'all.safetensors');
      saveSafetensors(path, tensors, { hello: 'world', json: '{"a":1}' });
      assert.deepEqual(readdirSync(dir), ['all.safetensors'], 'no temp file left behind');
      const bytes = readFileSync(path);
      assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
      const { metadata, tensors: back } = readSafetensorsFile(path);
      assert.deepEqual(metadata, { hello: 'world', json: '{"a":1}' });
      assert.deepEqual([...back.keys()], [...tensors.keys()], 'order kept');
      for (const [k, t] of tensors) {
        const u = back.get(k)!;
        assert.equal(u.dtype, t.dtype, k);
        assert.deepEqual(u.shape, t.shape, k);
        assert.deepEqual(u.bytes(), t.bytes(), k);
        if (t.dtype !== 'float16' && t.dtype !== 'bfloat16') assert.deepEqual(u.toList(), t.toList(), k);
      }
      // Record input, overwrite of an existing file
      saveSafetensors(path, { only: tensors.get('float32.2x3')! });
      const again = loadSafetensors(path);
      assert.deepEqual([...again.keys()], ['only']);
      assert.deepEqual(again.get('only')!.toList(), tensors.get('float32.2x3')!.toList());
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('safetensors: serialize/parse round trip on raw entries', () => {
  const entries = new Map<string, SafetensorsEntry>([
    ['a', { dtype: 'float32', shape: [2], data: new Uint8Array(new Float32Array([1.5, -2]).buffer) }],
    ['b', { dtype: 'uint8', shape: [3], data: new Uint8Array([1, 2, 3]) }],
    ['c', { dtype: 'int64', shape: [], data: new Uint8Array(new BigInt64Array([-7n]).buffer) }],
  ]);
  const bytes = serializeSafetensors(entries, { k: 'v' });
  const p = parseSafetensors(bytes);
  assert.deepEqual(p.metadata, { k: 'v' });
  assert.deepEqual([...p.entries.keys()], ['a', 'b', 'c']);
  for (const [k, e] of entries) {
    const q = p.entries.get(k)!;
    assert.equal(q.dtype, e.dtype);
    assert.deepEqual(q.shape, e.shape);
    assert.deepEqual([...q.data], [...e.data]);
  }
  // names that are special to JS objects survive
  const odd = new Map<string, SafetensorsEntry>([
    ['__proto__', { dtype: 'uint8', shape: [1], data: new Uint8Array([9]) }],
    ['constructor', { dtype: 'uint8', shape: [0], data: new Uint8Array(0) }],
  ]);
  const meta = JSON.parse('{"__proto__":"x","toString":"y"}') as Record<string, string>;
  const oddBack = parseSafetensors(serializeSafetensors(odd, meta));
  assert.deepEqual([...oddBack.entries.keys()], ['__proto__', 'constructor']);
  assert.deepEqual(Object.entries(oddBack.metadata), [
    ['__proto__', 'x'],
    ['toString', 'y'],
  ]);
  assert.throws(() => serializeSafetensors(new Map([['x', { dtype: 'float32', shape: [3], data: new Uint8Array(8) }]])), /do not match/);
  assert.throws(() => serializeSafetensors(new Map([['__metadata__', { dtype: 'uint8', shape: [0], data: new Uint8Array(0) }]])), /reserved/);
  assert.throws(() => serializeSafetensors(new Map(), { k: 1 as unknown as string }), /not a string/);
});

test('safetensors: reads a file written by a PyTorch-side writer (hf layout, reordered header)', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'pytorch_dtypes.json'), 'utf8')) as Record<
    string,
    { dtype: DType; shape: number[]; values: (number | string)[] }
  >;
  tidy(() => {
    const { metadata, tensors } = readSafetensorsFile(join(FIXTURES, 'pytorch_dtypes.safetensors'));
    assert.equal(metadata['format'], 'pt');
    assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected)) {
      const t = tensors.get(k)!;
      assert.equal(t.dtype, e.dtype, k);
      assert.deepEqual(t.shape, e.shape, k);
      if (e.dtype === 'int64') assert.deepEqual(Array.from(t.data() as BigInt64Array, String), e.values, k);
      else assert.deepEqual(t.toList(), e.values, k);
    }
  });
});

// ---- corruption ----

function header(bytes: Uint8Array): { json: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

function build(headerText: string, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function validFile(): Uint8Array {
  const rnd = rng(99);
  const entries = new Map<string, SafetensorsEntry>();
  const specs: [string, DType, number[]][] = [
    ['w', 'float32', [3, 4]],
    ['b', 'float64', [4]],
    ['h', 'bfloat16', [2, 2]],
    ['idx', 'int64', [3]],
    ['mask', 'bool', [5]],
    ['s', 'int32', []],
    ['e', 'uint8', [0, 2]],
    ['f', 'float16', [3]],
  ];
  for (const [n, dt, shape] of specs) {
    entries.set(n, {
      dtype: dt,
      shape,
      data: randomBytesFor(
        dt,
        shape.reduce((a, b) => a * b, 1),
        rnd,
      ),
    });
  }
  return serializeSafetensors(entries, { note: 'fuzz' });
}

/** Asserts that a parse result is internally consistent and within the input's bounds. */
function checkConsistent(bytes: Uint8Array, parsed: ReturnType<typeof parseSafetensors>): void {
  const ranges: [number, number][] = [];
  for (const [k, e] of parsed.entries) {
    assert.equal(e.data.buffer, bytes.buffer, k);
    const start = e.data.byteOffset - bytes.byteOffset;
    assert.ok(start >= 8 && start + e.data.byteLength <= bytes.byteLength, `${k} within bounds`);
    assert.ok(
      e.shape.every((d) => Number.isSafeInteger(d) && d >= 0),
      `${k} shape`,
    );
    assert.equal(e.shape.reduce((a, b) => a * b, 1) * ELEMENT_SIZE[e.dtype], e.data.byteLength, `${k} size`);
    ranges.push([start, start + e.data.byteLength]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i]![0] >= ranges[i - 1]![1], 'no overlap');
  for (const v of Object.values(parsed.metadata)) assert.equal(typeof v, 'string');
}

test('safetensors: fuzz - 3000 seeded corruptions throw an Error or parse consistently', () => {
  const base = validFile();
  const { json: baseJson, data: baseData } = header(base);
  const headerLen = Number(new DataView(base.buffer).getBigUint64(0, true));
  const rnd = rng(12345);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: T[]): T => a[int(a.length)]!;
  const weird: unknown[] = [
    -1,
    0,
    1,
    2,
    3,
    7,
    1e300,
    2 ** 53,
    2 ** 53 + 2,
    1.5,
    -0.5,
    '3',
    null,
    true,
    [],
    {},
    [1, 2, 3],
    [2 ** 40, 2 ** 40],
    'F32',
    'I8',
    'F64',
    'BOOL',
    'U16',
    [0, 0],
    [0, 1e9],
    [5, 4],
    [-1, 3],
    'x',
  ];
  const counts = { threw: 0, parsed: 0 };
  const kinds = new Map<string, number>();
  for (let iter = 0; iter < 3000; iter++) {
    let bytes: Uint8Array;
    const kind = int(7);
    kinds.set(String(kind), (kinds.get(String(kind)) ?? 0) + 1);
    if (kind === 0) {
      // bit flips in the header
      bytes = base.slice();
      for (let k = 1 + int(3); k > 0; k--) {
        const i = 8 + int(headerLen);
        bytes[i] = bytes[i]! ^ (1 << int(8));
      }
    } else if (kind === 1) {
      // bit flips anywhere (incl. the length and data)
      bytes = base.slice();
      for (let k = 1 + int(4); k > 0; k--) {
        const i = int(bytes.length);
        bytes[i] = bytes[i]! ^ (1 << int(8));
      }
    } else if (kind === 2) {
      // truncation / extension
      bytes =
        rnd() < 0.7
          ? base.slice(0, int(base.length))
          : (() => {
              const b = new Uint8Array(base.length + 1 + int(64));
              b.set(base);
              return b;
            })();
    } else if (kind === 3) {
      // header length changed
      bytes = base.slice();
      const dv = new DataView(bytes.buffer);
      const choices = [
        BigInt(headerLen + int(17) - 8),
        BigInt(int(2 ** 31)),
        2n ** 64n - 1n - BigInt(int(1000)),
        2n ** 63n,
        BigInt(bytes.length),
        BigInt(bytes.length - 7),
        0n,
        100_000_001n,
      ];
      dv.setBigUint64(0, pick(choices), true);
    } else if (kind === 4) {
      // JSON edits to shapes / offsets / dtypes
      const j = structuredClone(baseJson) as Record<string, Record<string, unknown>>;
      const names = Object.keys(j).filter((n) => n !== '__metadata__');
      for (let k = 1 + int(2); k > 0; k--) {
        const e = j[pick(names)]!;
        const field = pick(['dtype', 'shape', 'data_offsets']);
        if (field === 'shape' && Array.isArray(e['shape']) && rnd() < 0.5 && (e['shape'] as unknown[]).length) {
          (e['shape'] as unknown[])[int((e['shape'] as unknown[]).length)] = pick(weird);
        } else if (field === 'data_offsets' && Array.isArray(e['data_offsets']) && rnd() < 0.6) {
          const o = e['data_offsets'] as unknown[];
          o[int(o.length)] = Number(o[int(o.length)]) + int(33) - 16;
        } else {
          e[field] = pick(weird);
        }
      }
      bytes = build(JSON.stringify(j) + ' '.repeat(int(8)), baseData);
    } else if (kind === 5) {
      // structural JSON edits: dropped/duplicated keys, metadata types, junk
      let text = JSON.stringify(baseJson);
      const r = int(6);
      if (r === 0) text = text.replace('"w":', '"b":');
      else if (r === 1) text = text.replace('"note":"fuzz"', pick(['"note":1', '"note":null', '"note":{"a":"b"}', '"note":"a","note":"b"']));
      else if (r === 2) text = text.slice(0, int(text.length));
      else if (r === 3) text = text.replace('{"dtype"', '{"dtype":"F32","dtype"');
      else if (r === 4) {
        const j = structuredClone(baseJson);
        delete j[pick(Object.keys(j))];
        text = JSON.stringify(j);
      } else text = pick(['[]', 'null', '"x"', '12', '{}', ' {}', '{"__metadata__":[]}', '\u00ff{}']);
      bytes = build(text, baseData);
    } else {
      // random garbage after a plausible length
      bytes = new Uint8Array(8 + int(200));
      for (let i = 8; i < bytes.length; i++) bytes[i] = int(256);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(int(bytes.length)), true);
    }
    let parsed: ReturnType<typeof parseSafetensors> | undefined;
    try {
      parsed = parseSafetensors(bytes, 'fuzz.safetensors');
    } catch (e) {
      assert.ok(e instanceof Error, 'throws an Error');
      assert.match(e.message, /^safetensors: fuzz\.safetensors: /);
      counts.threw++;
    }
    if (parsed) {
      counts.parsed++;
      checkConsistent(bytes, parsed);
      // and the tensors can actually be made
      tidy(() => {
        for (const e of parsed!.entries.values()) raw(e.dtype, e.shape, e.data);
      });
    }
  }
  if (process.env.FUZZ_VERBOSE) console.log(counts, kinds);
  assert.ok(counts.threw > 2000, `most corruptions are rejected (${JSON.stringify(counts)})`);
  assert.ok(counts.parsed > 0, 'some corruptions (data bit flips) still parse');
});

test('safetensors: targeted lies are rejected with a message naming the problem', () => {
  const base = validFile();
  const { json, data } = header(base);
  const edit = (fn: (j: Record<string, Record<string, unknown>>) => void): Uint8Array => {
    const j = structuredClone(json) as Record<string, Record<string, unknown>>;
    fn(j);
    return build(JSON.stringify(j), data);
  };
  const src = 'model.safetensors';
  const expectThrow = (bytes: Uint8Array, re: RegExp) =>
    assert.throws(
      () => parseSafetensors(bytes, src),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, /model\.safetensors/);
        assert.match(e.message, re);
        return true;
      },
    );
  const offs = (j: Record<string, Record<string, unknown>>, n: string) => j[n]!['data_offsets'] as number[];

  // offset beyond the end of the data buffer
  expectThrow(
    edit((j) => {
      offs(j, 'f')[1] = data.length + 6;
    }),
    /"f".*beyond the data buffer/,
  );
  // shape product too large for the byte range
  expectThrow(
    edit((j) => {
      j['w']!['shape'] = [3, 5];
    }),
    /"w".*byte length 48 does not match shape \[3,5\]/,
  );
  expectThrow(
    edit((j) => {
      j['w']!['shape'] = [2 ** 40, 2 ** 40];
    }),
    /"w".*does not match shape/,
  );
  // wrong dtype size
  expectThrow(
    edit((j) => {
      j['w']!['dtype'] = 'F64';
    }),
    /"w".*byte length 48 does not match shape \[3,4\] of F64/,
  );
  // unknown dtype
  expectThrow(
    edit((j) => {
      j['w']!['dtype'] = 'I8';
    }),
    /"w".*unknown or unsupported dtype "I8"/,
  );
  // overlapping ranges
  expectThrow(
    edit((j) => {
      const a = offs(j, 'w'),
        b = offs(j, 'b');
      b[0] = a[0]! + 8;
      b[1] = b[0] + 32;
    }),
    /overlap/,
  );
  // a gap
  expectThrow(
    edit((j) => {
      delete j['b'];
    }),
    /gap in the data buffer/,
  );
  // trailing bytes not covered
  expectThrow(build(JSON.stringify(json), new Uint8Array([...data, 1, 2, 3])), /3 bytes after the last tensor/);
  // end < begin, non-integer offsets, negative shape
  expectThrow(
    edit((j) => {
      const o = offs(j, 'w');
      j['w']!['data_offsets'] = [o[1], o[0]];
    }),
    /end \d+ < begin/,
  );
  expectThrow(
    edit((j) => {
      offs(j, 'w')[0] = 0.5;
    }),
    /not non-negative integers/,
  );
  expectThrow(
    edit((j) => {
      j['w']!['shape'] = [3, -4];
    }),
    /shape \[3,-4\] is not a list of non-negative integers/,
  );
  // negative (as i64) / absurd / beyond-the-file header lengths
  const neg = base.slice();
  new DataView(neg.buffer).setBigInt64(0, -8n, true);
  expectThrow(neg, /header length \d+ is absurd/);
  const big = base.slice();
  new DataView(big.buffer).setBigUint64(0, 200_000_000n, true);
  expectThrow(big, /is absurd/);
  const beyond = base.slice();
  new DataView(beyond.buffer).setBigUint64(0, BigInt(base.length), true);
  expectThrow(beyond, /runs beyond the end of the file/);
  expectThrow(base.slice(0, 5), /too short/);
  // JSON problems
  expectThrow(build('{"a": ', data), /not valid JSON/);
  expectThrow(build('[1,2]', data), /not a JSON object/);
  expectThrow(build(JSON.stringify(json).replace('"w":', '"b":'), data), /duplicate key "b"/);
  expectThrow(build(JSON.stringify(json).replace('"note":"fuzz"', '"note":7'), data), /__metadata__ value for "note" is not a string/);
  expectThrow(build(JSON.stringify(json).replace('"note":"fuzz"', '"note":"a","note":"b"'), data), /duplicate key "note"/);
  // BOOL bytes other than 0/1
  const mask = parseSafetensors(base).entries.get('mask')!;
  const badBool = base.slice();
  badBool[mask.data.byteOffset + 2] = 7;
  expectThrow(badBool, /"mask".*neither 0 nor 1/);
});

test('safetensors: file errors name the path; a failed save leaves the old file', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'bad.safetensors');
    writeFileSync(p, new Uint8Array([100, 0, 0, 0, 0, 0, 0, 0, 0x7b]));
    assert.throws(() => loadSafetensors(p), new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*runs beyond`));
    tidy(() => {
      const good = join(dir, 'good.safetensors');
      const t = raw('float32', [2], new Uint8Array(new Float32Array([1, 2]).buffer));
      saveSafetensors(good, { t });
      const before = readFileSync(good);
      assert.throws(() => saveSafetensors(good, { t }, { bad: 3 as unknown as string }));
      assert.deepEqual(readFileSync(good), before);
      assert.deepEqual(readdirSync(dir).sort(), ['bad.safetensors', 'good.safetensors']);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
