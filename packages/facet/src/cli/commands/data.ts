/** `facet data check DIR`: validate a data set. */
import { Command, Option } from 'commander';
import { checkDirectory, formatCheckReport } from '../../data/check.js';
import { DataError } from '../../data/errors.js';
import { DATASET_FORMATS, type DatasetFormat } from '../../data/types.js';

export interface DataCheckCliOptions {
  format?: DatasetFormat;
  json?: boolean;
  skipBad?: boolean;
  concurrency?: string;
}

/** Runs the check; returns the exit code (0 ok, 1 problems). */
export async function runDataCheck(dir: string, o: DataCheckCliOptions, out: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<number> {
  try {
    const opts: Parameters<typeof checkDirectory>[1] = { concurrency: Number(o.concurrency ?? 8) };
    if (o.format) opts.format = o.format;
    const r = await checkDirectory(dir, opts);
    if (o.json) out(JSON.stringify({ ...r, ok: r.problems.length === 0 || !!o.skipBad, skipped: r.problems.length }, null, 2));
    else {
      out(formatCheckReport(r));
      if (o.skipBad && r.problems.length) out(`--skip-bad: ${r.problems.length} item(s) or row(s) would be skipped`);
    }
    return r.problems.length === 0 || o.skipBad ? 0 : 1;
  } catch (e) {
    if (e instanceof DataError) {
      if (o.json) out(JSON.stringify({ ok: false, error: e.message, file: e.file, line: e.line ?? null }, null, 2));
      else out(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export function registerDataCommand(program: Command): Command {
  const data = program.command('data').description('inspect and validate face data sets');
  data
    .command('check')
    .description('validate a data set: read its annotations, decode every image and mask, count; exit 1 on problems')
    .argument('<dir>', 'data set folder')
    .addOption(new Option('--format <format>', 'data set format (detected when not given)').choices([...DATASET_FORMATS]))
    .option('--json', 'print the report as JSON')
    .option('--skip-bad', 'report bad items as skipped and exit 0 when the rest is usable')
    .option('--concurrency <n>', 'images decoded in parallel', '8')
    .action(async (dir: string, o: DataCheckCliOptions) => {
      process.exitCode = await runDataCheck(dir, o);
    });
  return data;
}
