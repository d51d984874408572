/**
 * Browser-test set-up: Debian's Chromium (scripts/ci-install/chromium.sh) driven by playwright-core, no browser
 * download; the dashboard built into packages/server/public when missing or older than its sources.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, type Page, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const dashboardDir = fileURLToPath(new URL('../../packages/dashboard/', import.meta.url));
const builtIndex = fileURLToPath(new URL('../../packages/server/public/index.html', import.meta.url));

/** Why the browser tests cannot run here, or null. Throws when SCOUTER_REQUIRE_CHROMIUM=1 and they cannot. */
export function chromiumUnavailableReason(): string | null {
  const reason = existsSync(CHROMIUM)
    ? null
    : `${CHROMIUM} is missing (install it with: bash scripts/ci-install/chromium.sh)`;
  if (reason && process.env.SCOUTER_REQUIRE_CHROMIUM === '1') {
    throw new Error(`SCOUTER_REQUIRE_CHROMIUM=1 but ${reason}`);
  }
  if (reason) console.warn(`skipping the dashboard browser tests: ${reason}`);
  return reason;
}

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs `vite build` of packages/dashboard unless the built page is newer than every source file. */
export async function ensureDashboardBuilt(): Promise<void> {
  const sources = Math.max(
    newestSourceMs(join(dashboardDir, 'src')),
    newestSourceMs(join(dashboardDir, 'public')),
    statSync(join(dashboardDir, 'index.html')).mtimeMs,
    statSync(join(dashboardDir, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= sources) return;
  const vite = join(dashboardDir, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: dashboardDir,
    timeout: 60_000,
  });
}

/** Headless Chromium with a fresh profile (playwright gives every `launch` its own temporary user-data-dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
}

/** What a page did that a test must see: dialogs (an injected script would open one), errors, CSP violations. */
export interface PageWatch {
  dialogs: string[];
  errors: string[];
}

/** Records dialogs (dismissed), uncaught errors and console errors of `page`. */
export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => watch.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // A failed request (401 on purpose, the stopped server) is logged too; CSP refusals and script errors are not those.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      watch.errors.push(`console: ${msg.text()}`);
    }
  });
  return watch;
}
