/**
 * The dashboard in a real browser (Debian's Chromium via playwright-core) against real scouter-servers: one with the
 * demo's data (`runDemoScenario`, as `pnpm demo` makes it; guest read-only), one empty with a settable clock for the
 * empty state, injected names, an expired session and a stopped server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlertThreshold,
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  HttpConfig,
  Metrics,
  ScouterClient,
  ScouterQueue,
} from '@scouter-ts/core';
import { type ScouterServer, startServer } from '@scouter-ts/server';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baselineBand } from '../../examples/express-inference/src/monitoring.js';
import { DEMO_PROFILE, type DemoScenario, runDemoScenario } from '../../scripts/demo/scenario.js';
import {
  type PageWatch,
  chromiumUnavailableReason,
  ensureDashboardBuilt,
  launchChromium,
  watchPage,
} from './browser.js';

const unavailable = chromiumUnavailableReason();
const INJECTED = '<img src=x onerror=alert(1)>';
const INJECTED_NAME = 'model <script>alert(2)</script>';
const INJECTED_METRIC = '<b onmouseover=alert(3)>m</b>';

let browser: Browser | undefined;
let context: BrowserContext | undefined;
let watch: PageWatch | undefined;

async function openPage(baseUrl: string, hash = '#/'): Promise<Page> {
  context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  watch = watchPage(page);
  await page.goto(`${baseUrl}/${hash}`);
  return page;
}

/** The `data-*` attributes `names` of every element `rows` matches. */
async function attributesOf(rows: Locator, names: string[]): Promise<Array<Record<string, string | null>>> {
  const out: Array<Record<string, string | null>> = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const row: Record<string, string | null> = {};
    for (const name of names) row[name] = await rows.nth(i).getAttribute(`data-${name}`);
    out.push(row);
  }
  return out;
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

describe.skipIf(unavailable !== null)('dashboard in Chromium', () => {
  beforeAll(async () => {
    await ensureDashboardBuilt();
    browser = await launchChromium();
  });
  afterEach(async () => {
    const seen = watch;
    watch = undefined;
    await context?.close();
    context = undefined;
    expect(seen?.dialogs ?? []).toEqual([]);
    expect(seen?.errors ?? []).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('on the demo data', () => {
    let demo: DemoScenario;
    const key = { ...DEMO_PROFILE };
    const profilePath = `#/profile?${new URLSearchParams({ ...key, range: '15m' }).toString()}`;

    beforeAll(async () => {
      demo = await runDemoScenario({ serverOptions: { guestAccess: 'read', logLevel: 'silent' } });
    }, 60_000);
    afterAll(async () => {
      await demo?.close();
    });

    it('is served at / with a strict CSP, nosniff, no-cache HTML and immutable hashed assets; /scouter/* unchanged', async () => {
      const res = await fetch(`${demo.serverUri}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await res.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      const asset = /\.\/(assets\/[^"]+\.js)/.exec(html)?.[1];
      const js = await fetch(`${demo.serverUri}/${asset}`);
      expect(js.status).toBe(200);
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const missing = await fetch(`${demo.serverUri}/scouter/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'Route GET /scouter/nope not found' });
      expect(missing.headers.get('content-security-policy')).toBeNull();
    });

    it('a wrong password keeps the login page with a message', async () => {
      const page = await openPage(demo.serverUri);
      await signIn(page, 'admin', 'not-the-password');
      await expect.poll(() => page.textContent('#login-message')).toBe('Wrong username or password.');
      expect(await page.isVisible('#username')).toBe(true);
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
    });

    it('lists the demo space, model and version with status, drift type, schedule, next check and alerts', async () => {
      const page = await openPage(demo.serverUri);
      await signIn(page, 'admin', 'admin');
      const row = page.locator(`tr[data-space="demo"][data-name="iris-express"][data-version="1.0.0"]`);
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      expect(cells.slice(0, 5)).toEqual(['iris-express', '1.0.0', 'Active', 'Custom', '*/3 * * * * *']);
      expect(cells[5]).toMatch(/^(in \d+ s|now)$/);
      expect(await row.locator('[data-alerts]').getAttribute('data-alerts')).toBe('2');
      expect(await page.textContent('#user')).toBe('admin');
    });

    it('charts the stored means of the drifted profile against the band, with the out-of-band windows marked', async () => {
      const page = await openPage(demo.serverUri, profilePath);
      await signIn(page, 'admin', 'admin');
      await page.locator('.chart-card').first().waitFor();
      const metrics = Object.keys(demo.profile.metrics);
      expect(await page.locator('.chart-card .metric-name').allTextContents()).toEqual(metrics);
      expect(await page.locator('.chart-card canvas').count()).toBe(metrics.length);
      for (const metric of metrics) {
        const card = page.locator(`.chart-card[data-metric="${metric}"]`);
        const band = baselineBand(demo.profile, metric);
        expect(Number(await card.getAttribute('data-baseline'))).toBe(demo.profile.metrics[metric]);
        expect(Number(await card.getAttribute('data-lower'))).toBe(band.lower);
        expect(Number(await card.getAttribute('data-upper'))).toBe(band.upper);
        const rows = await attributesOf(card.locator('table.data tbody tr'), ['time', 'avg', 'place']);
        const stored = demo.binned[metric]!;
        expect(rows.map((r) => ({ time: Date.parse(r.time!), avg: Number(r.avg) }))).toEqual(
          stored.createdAt.map((d, i) => ({ time: d.getTime(), avg: stored.stats[i]!.avg })),
        );
        for (const row of rows) {
          const avg = Number(row.avg);
          const expected = avg < band.lower ? 'below' : avg > band.upper ? 'above' : 'in';
          expect(row.place, `${metric} at ${row.time}`).toBe(expected);
        }
      }
      // the drifted window: accuracy below its band, petal_length above; sepal_width and latency stay in band
      const marked = async (metric: string) =>
        (
          await attributesOf(page.locator(`.chart-card[data-metric="${metric}"] tr.out-of-band`), ['place'])
        ).map((r) => r.place);
      expect(await marked('accuracy')).toEqual(['below']);
      expect(await marked('petal_length')).toEqual(['above']);
      expect(await marked('sepal_width')).toEqual([]);
      expect(
        await page.locator('.chart-card[data-metric="petal_length"]').getAttribute('data-out-of-band'),
      ).toBe('1');
    });

    it('lists the alerts and acknowledges one, which the API then reports inactive', async () => {
      const page = await openPage(demo.serverUri, profilePath);
      await signIn(page, 'admin', 'admin');
      const rows = page.locator('#alerts tbody tr');
      await rows.first().waitFor();
      expect((await rows.locator('td.metric-name').allTextContents()).sort()).toEqual([
        'accuracy',
        'petal_length',
      ]);
      const petal = demo.alerts.find((a) => a.entityName === 'petal_length')!;
      await page.click(`button[data-ack="${petal.id}"]`);
      await expect.poll(() => page.locator('#alerts tbody tr').count()).toBe(1);
      const after = await demo.client.getAlerts(key);
      expect(after.find((a) => a.id === petal.id)?.active).toBe(false);
      expect(after.find((a) => a.entityName === 'accuracy')?.active).toBe(true);
      await page.click('button[data-filter="all"]');
      await expect
        .poll(() => page.locator(`tr[data-alert-id="${petal.id}"]`).getAttribute('data-active'))
        .toBe('false');
      expect(await page.locator(`tr[data-alert-id="${petal.id}"] .badge`).textContent()).toBe('Acknowledged');
    });

    it('shows the profile JSON and downloads it', async () => {
      const page = await openPage(demo.serverUri, profilePath);
      await signIn(page, 'admin', 'admin');
      await expect.poll(() => page.isEnabled('#download-profile')).toBe(true);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-profile')]);
      expect(download.suggestedFilename()).toBe('iris-express_demo_1.0.0_Custom.json');
      const saved = await download.path();
      const text = await (await import('node:fs/promises')).readFile(saved, 'utf8');
      const res = await fetch(
        `${demo.serverUri}/scouter/profile?${new URLSearchParams({ ...key, drift_type: 'Custom' }).toString()}`,
        {
          headers: {
            Authorization: `Bearer ${String(await page.evaluate('Object.values(sessionStorage)[0]'))}`,
          },
        },
      );
      expect(JSON.parse(text)).toEqual(((await res.json()) as { Custom: unknown }).Custom);
    });

    it('lets the guest look read-only (SCOUTER_GUEST_ACCESS=read): no acknowledge button', async () => {
      const page = await openPage(demo.serverUri, profilePath);
      await signIn(page, 'guest', 'guest');
      await page.locator('#alerts tbody tr').first().waitFor();
      expect(await page.locator('button[data-ack]').count()).toBe(0);
      expect(await page.locator('#alerts td.actions').first().textContent()).toBe('read-only');
      expect(await page.locator('.meta').textContent()).toContain('read-only');
    });
  });

  describe('on an empty server with a settable clock', () => {
    let dir: string;
    let server: ScouterServer | undefined;
    let baseUrl: string;
    let client: ScouterClient;
    let transport: HttpConfig;
    let clockMs = Date.now();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'scouter-dashboard-'));
      server = await startServer({
        port: 0,
        host: '127.0.0.1',
        databaseUri: join(dir, 'scouter.db'),
        logLevel: 'silent',
        schedulerEnabled: false,
        now: () => new Date(clockMs),
        consoleWrite: () => undefined,
      });
      baseUrl = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
      transport = new HttpConfig({ serverUri: baseUrl, username: 'admin', password: 'admin' });
      client = new ScouterClient(transport);
    });
    afterAll(async () => {
      await client?.close();
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('says that no model is monitored yet', async () => {
      const page = await openPage(baseUrl);
      await signIn(page, 'admin', 'admin');
      await page.locator('[data-empty="models"]').waitFor();
      expect(await page.textContent('[data-empty="models"] h2')).toBe('No models are monitored yet');
    });

    it('renders injected space, model, metric and alert text as text', async () => {
      // The queue stamps records with the real clock: bring the server's clock up to it, or a slow run (more than a
      // minute since the server started) would stamp the record after the drift check's window.
      clockMs = Math.max(clockMs, Date.now());
      const metric = new CustomMetric({
        name: INJECTED_METRIC,
        value: 1,
        alertThreshold: AlertThreshold.Above,
        alertThresholdValue: 0.5,
      });
      const config = new CustomMetricDriftConfig({
        space: INJECTED,
        name: INJECTED_NAME,
        version: '1.0.0',
        sampleSize: 1,
        alertConfig: new CustomMetricAlertConfig({ schedule: '0 * * * * *' }),
      });
      const profile = Drifter.createDriftProfile([metric], config);
      await client.registerProfile(profile, { setActive: true });
      const path = profile.save(join(dir, 'injected.json'));
      const queue = await ScouterQueue.fromPath({ custom: path }, transport);
      queue.get('custom').insert(new Metrics({ [INJECTED_METRIC]: 9 }));
      expect((await queue.shutdown({ timeoutMs: 10_000 })).sent).toBe(1);
      clockMs += 61_000;
      await server!.scouterServer.scheduler.runDueJobs();
      const storedMetric = Object.keys(profile.metrics)[0]!;
      const key = { space: INJECTED, name: INJECTED_NAME, version: '1.0.0' };
      expect((await client.getAlerts(key)).map((a) => a.entityName)).toEqual([storedMetric]);

      const page = await openPage(baseUrl);
      await signIn(page, 'admin', 'admin');
      const section = page.locator('section[data-space]');
      await section.waitFor();
      expect(await section.getAttribute('data-space')).toBe(INJECTED);
      expect(await section.locator('h2').textContent()).toBe(`Space ${INJECTED}`);
      expect(await page.locator('td.model-name').first().textContent()).toBe(INJECTED_NAME);
      await page.click('a.version-link');
      await page.locator('.chart-card').waitFor();
      await page.locator('#alerts tbody tr').waitFor();
      expect(await page.textContent('.chart-card .metric-name')).toBe(storedMetric);
      expect(await page.textContent('#alerts td.metric-name')).toBe(storedMetric);
      expect(await page.textContent('#profile-title')).toBe(`${INJECTED_NAME} v1.0.0`);
      expect(await page.textContent('#profile-json')).toContain(INJECTED);
      // nothing of it became markup: no <img src=x>, no <script> or <b> from the names
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('main script, main b').count()).toBe(0);
      await page.hover('.chart-card .metric-name');
      await sleep(100);
    });

    it('an expired session goes back to the login page with a message', async () => {
      const page = await openPage(baseUrl);
      await signIn(page, 'admin', 'admin');
      await page.locator('section[data-space]').waitFor();
      // access token (1 h) and refresh token (1 day) both expired: the server answers 401
      clockMs += 2 * 86_400_000;
      await page.click('a.version-link');
      await page.locator('#login-message').waitFor();
      expect(await page.isHidden('#sign-out')).toBe(true);
      expect(await page.textContent('#login-message')).toMatch(
        /^Your session has expired \(.+\)\. Sign in again\.$/,
      );
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      // signing in again returns to the page that was asked for
      await signIn(page, 'admin', 'admin');
      // two days later the range holds no observations: the profile page says so
      await page.locator('[data-empty="observations"]').waitFor();
      expect(page.url()).toContain('#/profile?');
      expect(await page.isVisible('#sign-out')).toBe(true);
    });

    it('says when the server cannot be reached, and recovers with Retry', async () => {
      const page = await openPage(baseUrl);
      await signIn(page, 'admin', 'admin');
      await page.locator('section[data-space]').waitFor();
      const port = (server!.server.address() as AddressInfo).port;
      await server!.close();
      server = undefined;
      await page.click('a.version-link');
      await page.locator('#banner[data-kind="unreachable"]').waitFor();
      expect(await page.textContent('#banner')).toContain(`Cannot reach the scouter-server at ${baseUrl}`);
      server = await startServer({
        port,
        host: '127.0.0.1',
        databaseUri: join(dir, 'scouter.db'),
        logLevel: 'silent',
        schedulerEnabled: false,
        now: () => new Date(clockMs),
      });
      await page.click('#banner button');
      await page.locator('[data-empty="observations"]').waitFor();
      expect(await page.isHidden('#banner')).toBe(true);
    });
  });
});
