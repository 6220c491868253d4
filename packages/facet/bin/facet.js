#!/usr/bin/env node
// The `facet` command. A committed file (not the compiled one) so that `npm ci` links
// it before the build has run; it loads the compiled CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('facet: not built yet (dist/src/cli/main.js missing): run `npm run build` at the repository root');
  process.exit(2);
}
await import(cli.href);
