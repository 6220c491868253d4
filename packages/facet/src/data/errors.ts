/** Where a problem was found: a file and, when it is a text file, a 1-based line. */
export interface SourceRef {
  file: string;
  line?: number;
}

function where(ref: SourceRef): string {
  return ref.line !== undefined ? `${ref.file}:${ref.line}` : ref.file;
}

/** A malformed or missing piece of a data set. The message always names the file (and line). */
export class DataError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly reason: string;
  constructor(ref: SourceRef, reason: string, options?: { cause?: unknown }) {
    super(`${where(ref)}: ${reason}`, options);
    this.name = 'DataError';
    this.file = ref.file;
    if (ref.line !== undefined) this.line = ref.line;
    this.reason = reason;
  }
}

/** One skipped item (with skipBad) or one problem found by a check. */
export interface DataProblem {
  file: string;
  line?: number;
  /** the item concerned, when there is one */
  item?: string;
  reason: string;
  message: string;
}

export function problemFrom(err: DataError, item?: string): DataProblem {
  const p: DataProblem = { file: err.file, reason: err.reason, message: err.message };
  if (err.line !== undefined) p.line = err.line;
  if (item !== undefined) p.item = item;
  return p;
}

/**
 * Collects problems: with skipBad it records them (the caller skips the item),
 * without it the first one is thrown.
 */
export class ProblemSink {
  readonly problems: DataProblem[] = [];
  constructor(readonly skipBad: boolean) {}
  /** Throws unless skipBad; returns normally when the caller should skip the item. */
  report(err: DataError, item?: string): void {
    if (!this.skipBad) throw err;
    this.problems.push(problemFrom(err, item));
  }
}
