// What the Chromium tests share: Debian's browser and the built page. The setup script
// installs the one and `npm run build` builds the other, so either missing is a broken
// installation: the tests fail on it rather than skip.
import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { webBuilt } from '../src/serve/server.js';

export const CHROMIUM = process.env.FACET_CHROMIUM ?? '/usr/bin/chromium';

/** Why Debian's chromium cannot run, or null. */
export function missingBrowser(): string | null {
  return existsSync(CHROMIUM) ? null : `no browser at ${CHROMIUM} (bash scripts/setup.sh installs Debian's chromium)`;
}

/** Why the page's tests cannot run (no browser, or the page not built), or null. */
export function missingBrowserPrerequisite(): string | null {
  return missingBrowser() ?? (webBuilt() ? null : 'the web app is not built (npm run build:web)');
}

// the few DOM members pageState reads, inside the page
declare const document: {
  querySelector(selector: string): { textContent: string | null; dataset: Record<string, string | undefined> } | null;
  querySelectorAll(selector: string): { length: number };
  body: { classList: { contains(name: string): boolean } };
};

/** What the page shows (status, rows, boxes, heat map, busy), for the message of a wait that timed out. */
async function pageState(page: Page): Promise<string> {
  return page
    .evaluate(() =>
      JSON.stringify({
        status: document.querySelector('#status')?.textContent,
        kind: document.querySelector('#status')?.dataset.kind,
        rows: document.querySelectorAll('#attributes .attr-row').length,
        boxes: document.querySelectorAll('.face-box').length,
        heat: document.querySelector('#heat-overlay')?.dataset.attribute,
        busy: document.body.classList.contains('busy'),
      }),
    )
    .catch((e: Error) => `(page state unreadable: ${e.message})`);
}

/** page.waitForFunction, whose timeout says what the page showed instead. */
export async function waitUntil(page: Page, what: string, predicate: (arg: string) => boolean, arg: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction(predicate, arg, { timeout });
  } catch (e) {
    throw new Error(`waiting for ${what}: ${(e as Error).message.split('\n')[0]}; the page showed ${await pageState(page)}`);
  }
}

/** Debian's chromium, offline: no sync, no component updates, no first-run pages. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60_000,
  });
}
