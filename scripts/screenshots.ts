/**
 * `pnpm screenshots`: the dashboard's main views on the demo's data (`runDemoScenario`, as `pnpm demo` makes it), in
 * Debian's headless Chromium, saved as docs/dashboard-*.png.
 */
import { fileURLToPath } from 'node:url';
import { ensureDashboardBuilt, launchChromium } from '../test/dashboard/browser.js';
import { DEMO_PROFILE, runDemoScenario } from './demo/scenario.js';

const docs = (name: string) => fileURLToPath(new URL(`../docs/dashboard-${name}.png`, import.meta.url));

async function main(): Promise<void> {
  await ensureDashboardBuilt();
  const demo = await runDemoScenario();
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      viewport: { width: 1360, height: 860 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    await page.goto(`${demo.serverUri}/`);
    await page.locator('#username').waitFor();
    await page.screenshot({ path: docs('login') });
    await page.fill('#username', 'admin');
    await page.fill('#password', 'admin');
    await page.click('button[type=submit]');
    await page.locator('section[data-space]').waitFor();
    await page.screenshot({ path: docs('models') });
    const query = new URLSearchParams({ ...DEMO_PROFILE, range: '15m' }).toString();
    await page.goto(`${demo.serverUri}/#/profile?${query}`);
    await page.locator('.chart-card canvas').first().waitFor();
    await page.locator('#alerts tbody tr').first().waitFor();
    await page.screenshot({ path: docs('profile'), fullPage: true });
    process.stdout.write(`saved ${['login', 'models', 'profile'].map(docs).join(', ')}\n`);
  } finally {
    await browser.close();
    await demo.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `screenshots failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
