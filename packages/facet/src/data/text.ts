/**
 * Readers for the whitespace- or comma-separated annotation tables of CelebA,
 * LFWA and CelebAMask-HQ (spec §11). Every error names the file and the line.
 */
import { readFileSync, existsSync } from 'node:fs';
import { DataError, ProblemSink } from './errors.js';
import { CELEBA_ATTRIBUTES } from './attributes.js';
import type { BBox, Landmarks, Split } from './types.js';

export interface TextLine {
  text: string;
  /** 1-based */
  line: number;
}

/**
 * file content for a message: at most `max` characters, control and undecodable
 * characters escaped (\x00, \ufffd), so that a binary file never reaches the terminal raw.
 */
export function excerpt(text: string, max = 40): string {
  const chars = [...text];
  const shown = chars
    .slice(0, max)
    .map((c) => {
      const code = c.codePointAt(0)!;
      if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) return `\\x${code.toString(16).padStart(2, '0')}`;
      if (code === 0xfffd) return '\\ufffd';
      if (c === '"' || c === '\\') return `\\${c}`;
      return c;
    })
    .join('');
  return `"${shown}${chars.length > max ? '…' : ''}"`;
}

/** Lines of a text file, BOM and CR removed, blank lines dropped (numbers kept). */
export function readLines(file: string): TextLine[] {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError({ file }, `cannot read file (${(e as Error).message})`, { cause: e });
  }
  // a NUL byte: not an annotation table (an image, an archive, a program, …)
  const nul = raw.indexOf('\0');
  if (nul >= 0) throw new DataError({ file }, `not a text file (a NUL byte at character ${nul}); it starts with ${excerpt(raw, 24)}`);
  if (raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
  const out: TextLine[] = [];
  const parts = raw.split('\n');
  for (let i = 0; i < parts.length; i++) {
    const text = parts[i]!.replace(/\r$/, '');
    if (text.trim() === '') continue;
    out.push({ text, line: i + 1 });
  }
  return out;
}

export function isCsv(file: string): boolean {
  return file.toLowerCase().endsWith('.csv');
}

function splitFields(text: string, csv: boolean): string[] {
  return csv ? text.split(',').map((s) => s.trim()) : text.trim().split(/\s+/);
}

/** A file name alone: a row id joined to the image folder must not leave it. */
export function isPlainFileName(id: string): boolean {
  return id !== '.' && id !== '..' && !/[/\\\0]/.test(id);
}

/** A relative path that stays below the folder it is joined to (no absolute path, no '..'). */
export function staysInside(rel: string): boolean {
  return rel !== '' && !/^[/\\]|^[a-zA-Z]:|\0/.test(rel) && !rel.split(/[/\\]/).includes('..');
}

export interface TableRow {
  id: string;
  values: string[];
  line: number;
}

export interface Table {
  file: string;
  /** column names of the values (the file-name column removed), when the file has a header */
  header?: string[];
  headerLine?: number;
  /** the count on line 1, when present */
  count?: number;
  rows: TableRow[];
}

export interface TableSpec {
  /** txt: does line 1 hold a row count? 'auto': when it is a single integer */
  count: boolean | 'auto';
  /** txt: is there a header line (after the count)? CSV files always have one. */
  header: boolean;
  /** number of values per row after the file name; undefined = header length */
  nValues?: number;
}

/**
 * Reads a table. Rows with the wrong number of values are reported to `sink`
 * (thrown without skipBad) and left out; duplicate file names likewise.
 */
export function readTable(file: string, spec: TableSpec, sink: ProblemSink): Table {
  const lines = readLines(file);
  const csv = isCsv(file);
  const table: Table = { file, rows: [] };
  let i = 0;
  if (!csv && spec.count !== false) {
    const first = lines[0];
    const isCount = first !== undefined && /^\s*\d+\s*$/.test(first.text);
    if (isCount) {
      table.count = Number(first.text.trim());
      i = 1;
    } else if (spec.count === true) {
      throw new DataError({ file, line: first?.line ?? 1 }, `line 1 should be the number of rows, found ${excerpt(first?.text ?? '')}`);
    }
  }
  if (csv || spec.header) {
    const h = lines[i];
    if (h === undefined) throw new DataError({ file, line: 1 }, 'missing header line');
    let names = splitFields(h.text, csv);
    // header with a file-name column (CSV: image_id; bbox: image_id)
    if (csv || (spec.nValues !== undefined && names.length === spec.nValues + 1)) names = names.slice(1);
    table.header = names;
    table.headerLine = h.line;
    i++;
  }
  const n = spec.nValues ?? table.header?.length;
  const dataLines = lines.length - i;
  if (table.count !== undefined && table.count !== dataLines) {
    sink.report(new DataError({ file, line: lines[0]!.line }, `line 1 says ${table.count} rows but the file has ${dataLines}`));
  }
  const seen = new Map<string, number>();
  for (; i < lines.length; i++) {
    const { text, line } = lines[i]!;
    const f = splitFields(text, csv);
    const id = f[0]!;
    const values = f.slice(1);
    if (n !== undefined && values.length !== n) {
      sink.report(new DataError({ file, line }, `expected ${n} values after the file name, found ${values.length}`), id);
      continue;
    }
    if (!isPlainFileName(id)) {
      sink.report(new DataError({ file, line }, `row id ${excerpt(id)} is a path; a row names a file inside the image folder (no '/', '\\', '.' or '..')`), id);
      continue;
    }
    const prev = seen.get(id);
    if (prev !== undefined) {
      sink.report(new DataError({ file, line }, `duplicate entry for ${id} (first on line ${prev})`), id);
      continue;
    }
    seen.set(id, line);
    table.rows.push({ id, values, line });
  }
  return table;
}

export interface AttributeTable {
  file: string;
  names: string[];
  /** file name → 0/1 labels, in the order of names */
  labels: Map<string, { values: Uint8Array; line: number }>;
}

export interface AttributeReadOptions {
  /** accept a header with only some of the 40 CelebA names (default false) */
  allowPartial?: boolean;
  /** accept names outside the 40 CelebA names (default false) */
  allowUnknown?: boolean;
}

/**
 * CelebA-format attribute list (list_attr_celeba.txt, LFWA, CelebAMask-HQ) or
 * the Kaggle CSV (image_id + 40 columns). Values must be 1 or -1 (→ 1/0).
 */
export function readAttributeList(file: string, sink: ProblemSink, opts: AttributeReadOptions = {}): AttributeTable {
  const table = readTable(file, { count: 'auto', header: true }, sink);
  const names = table.header!;
  const hl = table.headerLine!;
  const known = new Set<string>(CELEBA_ATTRIBUTES);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DataError({ file, line: hl }, `duplicate attribute name ${excerpt(name)}`);
    seen.add(name);
    if (!known.has(name) && !opts.allowUnknown) throw new DataError({ file, line: hl }, `unknown attribute name ${excerpt(name)}`);
  }
  if (!opts.allowPartial && !opts.allowUnknown && names.length !== CELEBA_ATTRIBUTES.length) {
    const missing = CELEBA_ATTRIBUTES.filter((a) => !seen.has(a));
    throw new DataError({ file, line: hl }, `expected the 40 CelebA attributes, found ${names.length}; missing: ${missing.join(', ')}`);
  }
  const labels = new Map<string, { values: Uint8Array; line: number }>();
  for (const row of table.rows) {
    const v = new Uint8Array(names.length);
    let bad = -1;
    for (let k = 0; k < names.length; k++) {
      const s = row.values[k]!;
      if (s === '1' || s === '+1') v[k] = 1;
      else if (s === '-1') v[k] = 0;
      else {
        bad = k;
        break;
      }
    }
    if (bad >= 0) {
      sink.report(new DataError({ file, line: row.line }, `value ${excerpt(row.values[bad]!)} for ${names[bad]} is not 1 or -1`), row.id);
      continue;
    }
    labels.set(row.id, { values: v, line: row.line });
  }
  return { file, names, labels };
}

/** list_eval_partition.txt ("file 0|1|2") or .csv (image_id,partition). */
export function readPartition(file: string, sink: ProblemSink): Map<string, Split> {
  const table = readTable(file, { count: false, header: false, nValues: 1 }, sink);
  const out = new Map<string, Split>();
  const names: Split[] = ['train', 'val', 'test'];
  for (const r of table.rows) {
    const s = names[Number(r.values[0])];
    if (!/^[012]$/.test(r.values[0]!) || s === undefined) {
      sink.report(new DataError({ file, line: r.line }, `partition ${excerpt(r.values[0]!)} is not 0, 1 or 2`), r.id);
      continue;
    }
    out.set(r.id, s);
  }
  return out;
}

function ints(file: string, r: TableRow, sink: ProblemSink): number[] | undefined {
  const out: number[] = [];
  for (const s of r.values) {
    if (!/^-?\d+(\.\d+)?$/.test(s)) {
      sink.report(new DataError({ file, line: r.line }, `${excerpt(s)} is not a number`), r.id);
      return undefined;
    }
    out.push(Number(s));
  }
  return out;
}

/** identity_CelebA.txt: "file identity". */
export function readIdentity(file: string, sink: ProblemSink): Map<string, number> {
  const table = readTable(file, { count: false, header: isCsv(file), nValues: 1 }, sink);
  const out = new Map<string, number>();
  for (const r of table.rows) {
    const v = ints(file, r, sink);
    if (v) out.set(r.id, v[0]!);
  }
  return out;
}

/** list_landmarks_align_celeba.txt / .csv: 5 points (10 numbers). */
export function readLandmarks(file: string, sink: ProblemSink): Map<string, Landmarks> {
  const table = readTable(file, { count: 'auto', header: true, nValues: 10 }, sink);
  const out = new Map<string, Landmarks>();
  for (const r of table.rows) {
    const v = ints(file, r, sink);
    if (v) out.set(r.id, Float32Array.from(v));
  }
  return out;
}

/** list_bbox_celeba.txt / .csv: image_id x_1 y_1 width height. */
export function readBBoxes(file: string, sink: ProblemSink): Map<string, BBox> {
  const table = readTable(file, { count: 'auto', header: true, nValues: 4 }, sink);
  const out = new Map<string, BBox>();
  for (const r of table.rows) {
    const v = ints(file, r, sink);
    if (v) out.set(r.id, { x: v[0]!, y: v[1]!, width: v[2]!, height: v[3]! });
  }
  return out;
}

/** The first of `candidates` that exists, or undefined. */
export function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((c) => existsSync(c));
}
