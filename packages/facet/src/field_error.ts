// The one shape of an error about a field of a file facet reads back (bundle.json, a
// run's config.json and recipe): the file, the field, what it must be, and what it holds.

/** A field's value as an error message shows it: strings quoted, a missing field as "nothing". */
function shownValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v}'`;
  return JSON.stringify(v) ?? String(v);
}

/** `${source}: field '${field}' must be ${expected}, got <got, shown>`. */
export function fieldError(source: string, field: string, expected: string, got: unknown): Error {
  return new Error(`${source}: field '${field}' must be ${expected}, got ${shownValue(got)}`);
}
