// Generates the binding's mechanical layer from ops.table.mjs:
//   src/ops.generated.cc  - one N-API wrapper per op (argument checks, libtorch call, error guard)
//   lib/ops.generated.ts  - one typed function per op, and TensorOps (the methods of Tensor)
//   lib/native_ops.generated.ts - NativeOps, the addon's generated functions as they take
//                           and return handles (lib/native.ts adds the hand-written ones)
// `--check` fails when the committed files differ from what the table gives (CI runs it).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ops } from './ops.table.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
// TS names are camelCase; in-place ops keep PyTorch's trailing underscore (add_).
// `js` in the table renames an op whose name is reserved in TS (var).

// C++ reader per argument type, the TS type the typed function takes, and the type the
// addon's function takes (a Tensor passes as its handle).
const TYPES = {
  Tensor: { read: (i, n) => `at::Tensor& ${n} = a.tensor(${i}, "${n}");`, ts: 'Tensor', native: 'NativeHandle', pass: (n) => `${n}.handle` },
  'Tensor?': {
    read: (i, n) => `auto ${n} = a.optTensor(${i}, "${n}");`,
    ts: 'Tensor | null',
    native: 'NativeHandle | null',
    pass: (n) => `${n} === null ? null : ${n}.handle`,
  },
  'Tensor[]': { read: (i, n) => `auto ${n} = a.tensorList(${i}, "${n}");`, ts: 'Tensor[]', native: 'NativeHandle[]', pass: (n) => `${n}.map((t) => t.handle)` },
  TensorOrScalar: {
    read: (i, n) => `at::Tensor ${n} = a.tensorOrScalar(${i}, "${n}");`,
    ts: 'Tensor | number',
    native: 'NativeHandle | number',
    pass: (n) => `typeof ${n} === 'number' ? ${n} : ${n}.handle`,
  },
  Scalar: { read: (i, n) => `at::Scalar ${n} = a.scalar(${i}, "${n}");`, ts: 'number', native: 'number', pass: (n) => n },
  'Scalar?': { read: (i, n) => `auto ${n} = a.optScalar(${i}, "${n}");`, ts: 'number | null', native: 'number | null', pass: (n) => n },
  int: { read: (i, n) => `int64_t ${n} = a.integer(${i}, "${n}");`, ts: 'number', native: 'number', pass: (n) => n },
  'int?': { read: (i, n) => `auto ${n} = a.optInteger(${i}, "${n}");`, ts: 'number | null', native: 'number | null', pass: (n) => n },
  'int[]': { read: (i, n) => `std::vector<int64_t> ${n} = a.intList(${i}, "${n}");`, ts: 'number[]', native: 'number[]', pass: (n) => n },
  'int[]?': {
    read: (i, n) =>
      `auto ${n}_storage = a.optIntList(${i}, "${n}");\n    at::OptionalIntArrayRef ${n} = ${n}_storage ? at::OptionalIntArrayRef(*${n}_storage) : at::OptionalIntArrayRef();`,
    ts: 'number[] | null',
    native: 'number[] | null',
    pass: (n) => n,
  },
  float: { read: (i, n) => `double ${n} = a.real(${i}, "${n}");`, ts: 'number', native: 'number', pass: (n) => n },
  'float?': { read: (i, n) => `auto ${n} = a.optReal(${i}, "${n}");`, ts: 'number | null', native: 'number | null', pass: (n) => n },
  bool: { read: (i, n) => `bool ${n} = a.boolean(${i}, "${n}");`, ts: 'boolean', native: 'boolean', pass: (n) => n },
  str: { read: (i, n) => `std::string ${n} = a.str(${i}, "${n}");`, ts: 'string', native: 'string', pass: (n) => n },
  ScalarType: { read: (i, n) => `at::ScalarType ${n} = a.dtype(${i}, "${n}");`, ts: 'DType', native: 'DType', pass: (n) => n },
  'ScalarType?': { read: (i, n) => `auto ${n} = a.optDtype(${i}, "${n}");`, ts: 'DType | null', native: 'DType | null', pass: (n) => n },
  MemoryFormat: { read: (i, n) => `at::MemoryFormat ${n} = a.memoryFormat(${i}, "${n}");`, ts: 'MemoryFormat', native: 'MemoryFormat', pass: (n) => n },
  Device: { read: (i, n) => `at::Device ${n} = a.device(${i}, "${n}");`, ts: 'string', native: 'string', pass: (n) => n },
};
const RETURNS = {
  Tensor: { cc: (e) => `wrapTensor(env, ${e})`, ts: 'Tensor', native: 'NativeHandle', wrap: (e) => `wrap(${e})` },
  'Tensor[]': { cc: (e) => `wrapList(env, ${e})`, ts: 'Tensor[]', native: 'NativeHandle[]', wrap: (e) => `${e}.map(wrap)` },
  '(Tensor, Tensor)': { cc: (e) => `wrapPair(env, ${e})`, ts: '[Tensor, Tensor]', native: '[NativeHandle, NativeHandle]', wrap: (e) => `wrapPair(${e})` },
  bool: { cc: (e) => `Napi::Boolean::New(env, ${e})`, ts: 'boolean', native: 'boolean', wrap: (e) => e },
  self: { cc: (e) => `(${e}, info[0])`, ts: 'Tensor', native: 'NativeHandle', wrap: null },
};
const CPP_RESERVED = new Set(['from', 'to', 'default', 'template', 'new', 'delete', 'operator', 'int', 'float']);

function parseDefault(text) {
  if (text === undefined) return undefined;
  if (text === 'None') return 'null';
  if (text === 'True') return 'true';
  if (text === 'False') return 'false';
  return text; // numbers, "strings" and [lists] are valid TS literals as written
}

function splitTopLevel(s) {
  const parts = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

function parse({ decl, cpp, js }) {
  const m = /^(\w+)\((.*)\)\s*->\s*(.+)$/.exec(decl);
  if (!m) throw new Error(`ops.table.mjs: cannot parse '${decl}'`);
  const [, name, argText, ret] = m;
  const args = splitTopLevel(argText).map((a) => {
    const am = /^([\w\[\]?]+)\s+(\w+)(?:=(.+))?$/.exec(a);
    if (!am) throw new Error(`ops.table.mjs: ${name}: cannot parse argument '${a}'`);
    const [, type, argName, def] = am;
    if (!TYPES[type]) throw new Error(`ops.table.mjs: ${name}: unknown argument type '${type}'`);
    return { type, name: argName, def: parseDefault(def) };
  });
  if (!RETURNS[ret]) throw new Error(`ops.table.mjs: ${name}: unknown return type '${ret}'`);
  for (const a of args) if (CPP_RESERVED.has(a.name)) throw new Error(`ops.table.mjs: ${name}: argument name '${a.name}' is reserved in C++`);
  const call = cpp ?? `at::${name}(${args.map((a) => a.name).join(', ')})`;
  const method = args.length > 0 && args[0].name === 'self';
  return { name, js: js ?? camel(name), args, ret, call, method };
}

function cppWrapper(op) {
  const reads = op.args.map((a, i) => `    ${TYPES[a.type].read(i, a.name)}`).join('\n');
  const body = RETURNS[op.ret].cc(op.call);
  return `static Napi::Value op_${op.name}(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info, "${op.name}");
  return guard(env, "${op.name}", [&]() -> Napi::Value {
${reads}
    return ${body};
  });
}`;
}

function tsParams(op, skipSelf) {
  const args = skipSelf ? op.args.slice(1) : op.args;
  // A default is allowed only when every later argument has one too.
  let canDefault = true;
  const out = [];
  for (let i = args.length - 1; i >= 0; i--) {
    const a = args[i];
    const hasDef = a.def !== undefined && canDefault;
    if (!hasDef) canDefault = false;
    out.unshift(`${camel(a.name)}: ${TYPES[a.type].ts}${hasDef ? ` = ${a.def}` : ''}`);
  }
  return out.join(', ');
}

function tsFunction(op) {
  const passed = op.args.map((a) => TYPES[a.type].pass(camel(a.name))).join(', ');
  const call = `native.${op.name}(${passed})`;
  const body = op.ret === 'self' ? `${call};\n  return ${camel(op.args[0].name)};` : `return ${RETURNS[op.ret].wrap(call)};`;
  return `export function ${op.js}(${tsParams(op, false)}): ${RETURNS[op.ret].ts} {\n  ${body}\n}`;
}

function tsMethod(op) {
  const rest = op.args.slice(1).map((a) => camel(a.name));
  return `  ${op.js}(${tsParams(op, true)}): ${RETURNS[op.ret].ts} {\n    return ${op.js}(${['this as unknown as Tensor', ...rest].join(', ')});\n  }`;
}

function nativeDeclaration(op) {
  const params = op.args.map((a) => `${camel(a.name)}: ${TYPES[a.type].native}`).join(', ');
  return `  ${op.name}(${params}): ${RETURNS[op.ret].native};`;
}

const parsed = ops.map(parse);
const header = '// GENERATED by codegen/generate.mjs from codegen/ops.table.mjs - do not edit by hand.\n';

const cc = `${header}#include "args.h"

namespace facet {

static Napi::Value wrapPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& p) {
  auto arr = Napi::Array::New(env, 2);
  arr.Set(0u, wrapTensor(env, std::get<0>(p)));
  arr.Set(1u, wrapTensor(env, std::get<1>(p)));
  return arr;
}

${parsed.map(cppWrapper).join('\n\n')}

void registerGenerated(Napi::Env env, Napi::Object exports) {
${parsed.map((op) => `  exportGuarded(env, exports, "${op.name}", op_${op.name});`).join('\n')}
}

}  // namespace facet
`;

const ts = `${header}
import { native, type NativeHandle } from './native.js';
import { wrap, wrapPair } from './registry.js';
import type { Tensor } from './tensor.js';
import type { DType, MemoryFormat } from './dtype.js';

${parsed.map(tsFunction).join('\n\n')}

/** The Tensor methods that follow from the op table (ops whose first argument is \`self\`). */
export abstract class TensorOps {
  abstract get handle(): NativeHandle;

${parsed
  .filter((op) => op.method)
  .map(tsMethod)
  .join('\n\n')}
}
`;

// Every argument is passed: the defaults live in the typed functions above.
const nativeTs = `${header}import type { NativeHandle } from './native.js';
import type { DType, MemoryFormat } from './dtype.js';

/** The addon's generated functions (src/ops.generated.cc), as they take and return handles. */
export interface NativeOps {
${parsed.map(nativeDeclaration).join('\n')}
}
`;

const outputs = [
  [join(root, 'src/ops.generated.cc'), cc],
  [join(root, 'lib/ops.generated.ts'), ts],
  [join(root, 'lib/native_ops.generated.ts'), nativeTs],
];
if (process.argv.includes('--check')) {
  const stale = outputs.filter(([p, text]) => !existsSync(p) || readFileSync(p, 'utf8') !== text);
  if (stale.length) {
    console.error(`generated files are stale: ${stale.map(([p]) => p).join(', ')}; run npm run codegen`);
    process.exit(1);
  }
  console.log(`codegen: ${parsed.length} ops, generated files up to date`);
} else {
  for (const [p, text] of outputs) writeFileSync(p, text);
  console.log(`codegen: wrote ${parsed.length} ops`);
}
