// Packs every publishable package with `pnpm pack`, installs the tarballs into an empty project with npm and
// imports each one as a user would (ESM), so a broken `exports` map or a missing file fails CI; the packed server must
// serve its dashboard (built by `pnpm build` into packages/server/public) at /.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packages = ['core', 'express', 'fastify', 'server'];
const work = mkdtempSync(join(tmpdir(), 'scouter-pack-'));
try {
  const tarballs = packages.map((name) => {
    execFileSync('pnpm', ['pack', '--pack-destination', work], {
      cwd: join(root, 'packages', name),
      stdio: 'pipe',
    });
    return readdirSync(work).find((f) => f.startsWith(`scouter-ts-${name}-`) && f.endsWith('.tgz'));
  });
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'smoke', private: true, type: 'module' }));
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tarballs.map((t) => `./${t}`),
      'express@5',
      'fastify@5',
    ],
    { cwd: work, stdio: 'inherit' },
  );
  const check = `
    const core = await import('@scouter-ts/core');
    const express = await import('@scouter-ts/express');
    const fastify = await import('@scouter-ts/fastify');
    const server = await import('@scouter-ts/server');
    const need = (mod, names) => { for (const n of names) if (!(n in mod)) throw new Error('missing export ' + n); };
    need(core, ['CustomMetric', 'AlertThreshold', 'CommonCrons', 'CustomMetricDriftConfig', 'CustomMetricAlertConfig', 'Drifter', 'CustomDriftProfile', 'ScouterError']);
    need(server, ['createServer']);
    const p = core.Drifter.createDriftProfile(
      new core.CustomMetric({ name: 'MAE', value: 1, alertThreshold: core.AlertThreshold.Outside, alertThresholdValue: 0.5 }),
      new core.CustomMetricDriftConfig({ space: 's', name: 'n', version: '1.0.0' }),
    );
    if (core.CustomDriftProfile.fromJSON(JSON.stringify(p)).metrics.mae !== 1) throw new Error('round trip failed');
    // The worker-thread transport loads its entry file from the installed dist.
    const http = await import('node:http');
    const received = [];
    const sink = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        if (req.url.startsWith('/scouter/message')) received.push(JSON.parse(text));
        res.setHeader('content-type', 'application/json');
        res.end(req.url.startsWith('/scouter/auth/login') ? '{"token":"t"}' : '{"status":"success"}');
      });
    });
    await new Promise((r) => sink.listen(0, '127.0.0.1', r));
    const transport = core.createTransport(new core.HttpConfig({ serverUri: 'http://127.0.0.1:' + sink.address().port, thread: 'worker' }));
    // Ready first: bodies published while the worker starts go out in-thread and would prove nothing here.
    const ready = await transport.whenReady();
    await transport.publish('{"records":[]}');
    await transport.close();
    sink.close();
    if (!(transport instanceof core.WorkerHttpTransport) || !ready || transport.thread !== 'worker' || received.length !== 1)
      throw new Error('worker delivery failed (ready=' + ready + ', thread=' + transport.thread + ')');
    // The dashboard ships in the server's tarball (public/) and is served at / by the installed server.
    const app = await server.startServer({ port: 0, host: '127.0.0.1', databaseUri: ':memory:', logLevel: 'silent', schedulerEnabled: false });
    const base = 'http://127.0.0.1:' + app.server.address().port;
    const page = await fetch(base + '/');
    const html = await page.text();
    const asset = html.split('src="./')[1]?.split('"')[0];
    const script = asset && (await fetch(base + '/' + asset));
    await app.close();
    if (page.status !== 200 || !page.headers.get('content-security-policy')?.includes("script-src 'self'") || !script || script.status !== 200 || !script.headers.get('cache-control')?.includes('immutable'))
      throw new Error('the packed server does not serve its dashboard at / (status ' + page.status + ', asset ' + asset + ')');
    console.log('pack smoke: imported', Object.keys(core).length, 'core exports;', typeof express, typeof fastify, '; dashboard served from the packed server:', asset);
  `;
  execFileSync('node', ['--input-type=module', '-e', check], { cwd: work, stdio: 'inherit' });
} finally {
  rmSync(work, { recursive: true, force: true });
}
