/** Every bad input is a DataError naming the file and line; with skipBad, a report of what was skipped. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CELEBA_ATTRIBUTES, DataError, readCelebA, readLfwParts, readHelen, readLfwa, loadImage, decodeItem, checkDataset } from '../src/data/index.js';
import { runDataCheck } from '../src/cli/commands/data.js';

let tmp: string;
let jpeg: Buffer;
let n = 0;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'facet-bad-'));
  jpeg = await sharp({ create: { width: 20, height: 24, channels: 3, background: { r: 120, g: 90, b: 60 } } })
    .jpeg()
    .toBuffer();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const row = (file: string, vals: (string | number)[]) => `${file} ${vals.join(' ')}`;
const ones = (k = 40) => Array.from({ length: k }, (_, i) => (i % 3 === 0 ? 1 : -1));

/** A CelebA folder with images 000001..000003.jpg and the given attribute-list lines (CRLF when asked). */
function celeba(lines: string[], opts: { crlf?: boolean; images?: string[] } = {}): string {
  const root = join(tmp, `celeba${n++}`);
  mkdirSync(join(root, 'Img/img_align_celeba'), { recursive: true });
  mkdirSync(join(root, 'Anno'), { recursive: true });
  for (const f of opts.images ?? ['000001.jpg', '000002.jpg', '000003.jpg']) writeFileSync(join(root, 'Img/img_align_celeba', f), jpeg);
  writeFileSync(join(root, 'Anno/list_attr_celeba.txt'), lines.join(opts.crlf ? '\r\n' : '\n') + (opts.crlf ? '\r\n' : '\n'));
  return root;
}
const header = CELEBA_ATTRIBUTES.join(' ');
const good = ['3', header, row('000001.jpg', ones()), row('000002.jpg', ones()), row('000003.jpg', ones())];

function throwsAt(fn: () => unknown, file: string, line: number | undefined, re: RegExp): DataError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
  const e = err as DataError;
  assert.ok(e.file.endsWith(file), `file ${e.file} should end with ${file}`);
  assert.equal(e.line, line);
  assert.match(e.message, re);
  assert.ok(e.message.includes(file));
  if (line !== undefined) assert.ok(e.message.includes(`:${line}:`), e.message);
  return e;
}

test('a good CelebA list (CRLF) reads; ±1 → 1/0', () => {
  const ds = readCelebA(celeba(good, { crlf: true }));
  assert.equal(ds.items().length, 3);
  assert.deepEqual([...ds.items()[0]!.attributes!.slice(0, 4)], [1, 0, 0, 1]);
});

test('the Kaggle CSV variant reads', () => {
  const root = celeba([]);
  rmSync(join(root, 'Anno/list_attr_celeba.txt'));
  const csv = [
    'image_id,' + CELEBA_ATTRIBUTES.join(','),
    '000001.jpg,' + ones().join(','),
    '000002.jpg,' +
      ones()
        .map((v) => -v)
        .join(','),
  ];
  writeFileSync(join(root, 'list_attr_celeba.csv'), csv.join('\n') + '\n');
  const ds = readCelebA(root);
  assert.equal(ds.items().filter((i) => i.attributes).length, 2);
  assert.deepEqual([...ds.items()[1]!.attributes!.slice(0, 4)], [0, 1, 1, 0]);
});

test('a row with the wrong number of values', () => {
  const lines = [...good];
  lines[3] = row('000002.jpg', ones(39));
  throwsAt(() => readCelebA(celeba(lines)), 'list_attr_celeba.txt', 4, /expected 40 values.*found 39/);
});

test('a value other than ±1', () => {
  const lines = [...good];
  const v: (string | number)[] = ones();
  v[5] = '0';
  lines[4] = row('000003.jpg', v);
  throwsAt(() => readCelebA(celeba(lines, { crlf: true })), 'list_attr_celeba.txt', 5, /"0" for Bangs is not 1 or -1/);
});

test('a duplicate attribute name', () => {
  const lines = [...good];
  lines[1] = header.replace('Bangs', 'Bald');
  throwsAt(() => readCelebA(celeba(lines)), 'list_attr_celeba.txt', 2, /duplicate attribute name "Bald"/);
});

test('an unknown attribute name', () => {
  const lines = [...good];
  lines[1] = header.replace('Young', 'Youthful');
  throwsAt(() => readCelebA(celeba(lines)), 'list_attr_celeba.txt', 2, /unknown attribute name "Youthful"/);
});

test('a missing image', () => {
  const root = celeba(good, { images: ['000001.jpg', '000003.jpg'] });
  throwsAt(() => readCelebA(root), 'list_attr_celeba.txt', 4, /missing image .*000002\.jpg/);
});

test('a wrong row count on line 1', () => {
  const lines = [...good];
  lines[0] = '5';
  throwsAt(() => readCelebA(celeba(lines)), 'list_attr_celeba.txt', 1, /line 1 says 5 rows but the file has 3/);
});

test('an unreadable and a truncated JPEG', async () => {
  const root = celeba(good);
  const dir = join(root, 'Img/img_align_celeba');
  const real = readFileSync(join(process.cwd(), 'package.json'));
  writeFileSync(join(dir, '000002.jpg'), real); // not an image at all
  const big = await sharp({
    create: { width: 200, height: 200, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg()
    .toBuffer();
  writeFileSync(join(dir, '000003.jpg'), big.subarray(0, Math.floor(big.length / 2)));
  const ds = readCelebA(root);
  const [, bad, trunc] = ds.items();
  await assert.rejects(
    loadImage(bad!.imagePath, bad),
    (e: unknown) => e instanceof DataError && e.file.endsWith('000002.jpg') && /cannot decode image.*list_attr_celeba\.txt:4/.test(e.message),
  );
  await assert.rejects(
    decodeItem(trunc!),
    (e: unknown) => e instanceof DataError && e.file.endsWith('000003.jpg') && /premature end|truncated|cannot decode/i.test(e.message),
  );
  const report = await checkDataset(ds);
  assert.equal(report.decoded, 1);
  assert.deepEqual(
    report.problems.map((p) => p.item),
    ['000002.jpg', '000003.jpg'],
  );
  assert.equal(await runDataCheck(root, {}, () => {}), 1);
});

/** An LFW-parts folder with one good pair and one given mask. */
async function lfwParts(mask: Buffer): Promise<string> {
  const root = join(tmp, `lfw${n++}`);
  mkdirSync(join(root, 'lfw_funneled/A_B'), { recursive: true });
  mkdirSync(join(root, 'parts_lfw_funneled_gt_images'), { recursive: true });
  const img = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .jpeg()
    .toBuffer();
  const goodMask = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 0, g: 0, b: 255 } } })
    .png()
    .toBuffer();
  writeFileSync(join(root, 'lfw_funneled/A_B/A_B_0001.jpg'), img);
  writeFileSync(join(root, 'lfw_funneled/A_B/A_B_0002.jpg'), img);
  writeFileSync(join(root, 'parts_lfw_funneled_gt_images/A_B_0001.png'), goodMask);
  writeFileSync(join(root, 'parts_lfw_funneled_gt_images/A_B_0002.png'), mask);
  writeFileSync(
    join(root, 'train.txt'),
    'lfw_funneled/A_B/A_B_0001.jpg\tparts_lfw_funneled_gt_images/A_B_0001.png\nlfw_funneled/A_B/A_B_0002.jpg\tparts_lfw_funneled_gt_images/A_B_0002.png\n',
  );
  return root;
}

test('a mask whose size differs from its image', async () => {
  const root = await lfwParts(
    await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .png()
      .toBuffer(),
  );
  const ds = readLfwParts(root);
  const it = ds.items()[1]!;
  await assert.rejects(
    decodeItem(it),
    (e: unknown) => e instanceof DataError && e.file.endsWith('A_B_0002.png') && /mask is 16x12 but image .*16x16.*train\.txt:2/.test(e.message),
  );
  const r = await checkDataset(ds);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.message, /A_B_0002\.png/);
});

test('an unknown mask colour', async () => {
  const root = await lfwParts(
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 255, g: 255, b: 0 } } })
      .png()
      .toBuffer(),
  );
  const it = readLfwParts(root).items()[1]!;
  await assert.rejects(
    decodeItem(it),
    (e: unknown) =>
      e instanceof DataError && e.file.endsWith('A_B_0002.png') && /unknown mask colour \(255,255,0\) at pixel x=0 y=0.*train\.txt:2/.test(e.message),
  );
  assert.equal(await runDataCheck(root, {}, () => {}), 1);
});

test('LFW parts: a malformed list line and a missing mask', async () => {
  const root = await lfwParts(
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 0, g: 255, b: 0 } } })
      .png()
      .toBuffer(),
  );
  writeFileSync(join(root, 'validation.txt'), 'lfw_funneled/A_B/A_B_0001.jpg parts_lfw_funneled_gt_images/A_B_0001.png\n');
  throwsAt(() => readLfwParts(root), 'validation.txt', 1, /expected "image<TAB>mask"/);
  writeFileSync(join(root, 'validation.txt'), 'lfw_funneled/A_B/A_B_0009.jpg\tparts_lfw_funneled_gt_images/A_B_0009.png\n');
  throwsAt(() => readLfwParts(root), 'validation.txt', 1, /missing image/);
});

test('Helen: a missing label map names the list line', () => {
  const root = join(tmp, `helen${n++}`);
  mkdirSync(join(root, 'images'), { recursive: true });
  mkdirSync(join(root, 'labels/x1'), { recursive: true });
  writeFileSync(join(root, 'images/x1.jpg'), jpeg);
  writeFileSync(join(root, 'exemplars.txt'), '1 , x1\n');
  throwsAt(() => readHelen(root), 'exemplars.txt', 1, /missing label map .*x1_lbl00\.png/);
});

test('LFWA reads a CelebA-style list with nested LFW image names', () => {
  const root = join(tmp, `lfwa${n++}`);
  mkdirSync(join(root, 'lfw/A_B'), { recursive: true });
  writeFileSync(join(root, 'lfw/A_B/A_B_0001.jpg'), jpeg);
  writeFileSync(join(root, 'list_attr_lfwa.txt'), ['1', header, row('A_B_0001.jpg', ones())].join('\n'));
  const ds = readLfwa(root);
  assert.equal(ds.items().length, 1);
  assert.ok(ds.items()[0]!.imagePath.endsWith('lfw/A_B/A_B_0001.jpg'));
});

test('skipBad: every skipped item with its reason, and a count', async () => {
  const lines = [...good, row('000004.jpg', ones()), row('000005.jpg', ones(12))];
  lines[0] = '5';
  lines[3] = row(
    '000002.jpg',
    ones().map((v, i) => (i === 0 ? 2 : v)),
  );
  const root = celeba(lines);
  const ds = readCelebA(root, { skipBad: true });
  assert.equal(ds.items().filter((i) => i.attributes).length, 2); // 000001 and 000003
  assert.deepEqual(
    ds.problems.map((p) => [p.item, p.line]),
    [
      ['000005.jpg', 7],
      ['000002.jpg', 4],
      ['000004.jpg', 6],
    ],
  );
  const out: string[] = [];
  assert.equal(await runDataCheck(root, { skipBad: true }, (s) => out.push(s)), 0);
  assert.match(out.join('\n'), /3 problem\(s\)/);
  assert.match(out.join('\n'), /--skip-bad: 3 item\(s\)/);
  assert.equal(await runDataCheck(root, {}, () => {}), 1);
});

test('a row id with a path is refused (it would read outside the image folder), naming the line', async () => {
  const outside = join(tmp, `outside${n++}.jpg`);
  writeFileSync(outside, jpeg);
  for (const id of [`../../../${outside.split('/').at(-1)}`, outside, 'sub/000001.jpg', '..', 'a\\b.jpg']) {
    const lines = [...good];
    lines[3] = row(id, ones());
    const root = celeba(lines);
    throwsAt(() => readCelebA(root), 'list_attr_celeba.txt', 4, /row id ".*" is a path; a row names a file inside the image folder/);
    const ds = readCelebA(root, { skipBad: true });
    assert.ok(
      ds.items().every((it) => it.imagePath.startsWith(join(root, 'Img/img_align_celeba'))),
      id,
    );
    assert.deepEqual(
      ds.problems.map((p) => p.line),
      [4],
    );
    assert.equal(await runDataCheck(root, {}, () => {}), 1);
  }
  const lfw = join(tmp, `lfwpairs${n++}`);
  mkdirSync(join(lfw, 'images'), { recursive: true });
  writeFileSync(join(lfw, 'images/x1.jpg'), jpeg);
  writeFileSync(join(lfw, 'train.txt'), `images/x1.jpg\t../../etc/mask.png\n`);
  assert.throws(() => readLfwParts(lfw, { checkFiles: false }), /train\.txt:1: "\.\.\/\.\.\/etc\/mask\.png" leaves the data folder/);
});

test('a binary attribute file is an error with a short escaped excerpt, not raw bytes', () => {
  const root = celeba(good);
  const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x1b, 0x5b, 0x32, 0x4a]), Buffer.alloc(3000, 0x9b)]);
  writeFileSync(join(root, 'Anno/list_attr_celeba.txt'), binary);
  const e = throwsAt(
    () => readCelebA(root),
    'list_attr_celeba.txt',
    undefined,
    /not a text file \(a NUL byte at character 7\); it starts with "\\x7fELF\\x02\\x01\\x01\\x00/,
  );
  assert.doesNotMatch(e.message, /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\ufffd]/, 'no control bytes reach the terminal');
  assert.ok(e.message.length < 300, `${e.message.length} characters`);
  // without a NUL byte (escape sequences, invalid UTF-8), quoted values are escaped too
  writeFileSync(
    join(root, 'Anno/list_attr_celeba.txt'),
    Buffer.concat([Buffer.from('0\n'), Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe]), Buffer.from(` ${header}\n`)]),
  );
  const e2 = throwsAt(() => readCelebA(root), 'list_attr_celeba.txt', 2, /unknown attribute name "\\x1b\[2J\\ufffd\\ufffd"/);
  assert.doesNotMatch(e2.message, /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\ufffd]/);
});

test('cut-off JPEGs decoded side by side each say so (libvips alone says "Unknown error" or another file\'s message)', async () => {
  const big = await sharp({
    create: { width: 300, height: 300, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg()
    .toBuffer();
  const names = Array.from({ length: 24 }, (_, i) => `${String(i + 1).padStart(6, '0')}.jpg`);
  const lines = [String(names.length), header, ...names.map((f) => row(f, ones()))];
  const root = celeba(lines, { images: names });
  names.forEach((f, i) =>
    writeFileSync(join(root, 'Img/img_align_celeba', f), big.subarray(0, [300, 900, 2000, Math.floor(big.length / 2), big.length - 3][i % 5])),
  );
  const report = await checkDataset(readCelebA(root), { concurrency: 8 });
  assert.equal(report.problems.length, names.length);
  for (const p of report.problems) {
    assert.match(p.message, /cannot decode image: a JPEG cut off: its \d+ bytes end without the end-of-image marker \(FF D9\)/, p.message);
    assert.doesNotMatch(p.message, /Unknown error/);
  }
});
