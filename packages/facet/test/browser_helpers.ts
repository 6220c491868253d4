// What the Chromium tests share: Debian's browser and the built page. The setup script
// installs the one and `npm run build` builds the other, so either missing is a broken
// installation: the tests fail on it rather than skip.
import { existsSync } from 'node:fs';
import { webBuilt } from '../src/serve/server.js';

export const CHROMIUM = process.env.FACET_CHROMIUM ?? '/usr/bin/chromium';

export function missingBrowserPrerequisite(): string | null {
  if (!existsSync(CHROMIUM)) return `no browser at ${CHROMIUM} (bash scripts/setup.sh installs Debian's chromium)`;
  if (!webBuilt()) return 'the web app is not built (npm run build:web)';
  return null;
}
