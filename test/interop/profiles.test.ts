import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommonCrons,
  CustomDriftProfile,
  CustomMetricAlertConfig,
  InvalidCronError,
  nextCronRun,
  validateCron,
} from '@scouter-ts/core';
import {
  buildTsProfile,
  jsonOf,
  pyCustomMetrics,
  tsCustomMetrics,
  type ProfileSpec,
  type PyProfile,
} from './profile-spec.js';
import { VENVS, requirePython, runPython, skipMessage, type PythonEnv } from './python.js';
import { jsonDiff } from './f64.js';

/** Every threshold kind, null and non-null margins, every dispatch kind, custom and CommonCrons schedules. */
const cases: Record<string, ProfileSpec> = {
  'all defaults, one metric passed alone, Below with a null margin, Console': {
    space: 'interop',
    name: 'defaults',
    single_metric: true,
    metrics: [{ name: 'accuracy', value: 0.85, threshold: 'Below' }],
  },
  'Above with margins, Slack, every-5-seconds cron, explicit version and sample size, upper-case name': {
    space: 'interop',
    name: 'slack-model',
    version: '1.2.3',
    sample_size: 10,
    schedule: '*/5 * * * * *',
    dispatch: { kind: 'Slack', channel: 'ml-alerts' },
    metrics: [
      { name: 'MAE', value: 12.4, threshold: 'Above', threshold_value: 2 },
      { name: 'rmse', value: 0.30000000000000004, threshold: 'Above', threshold_value: 1e-7 },
    ],
  },
  'Outside with and without margin, OpsGenie default priority P5': {
    space: 'interop',
    name: 'opsgenie-model',
    version: '2.0.0',
    sample_size: 1,
    schedule: { common: 'Every5Minutes' },
    dispatch: { kind: 'OpsGenie', team: 'ml-team' },
    metrics: [
      { name: 'mape', value: 1, threshold: 'Outside', threshold_value: 0.5 },
      { name: 'latency_ms', value: 123456789.125, threshold: 'Outside', threshold_value: null },
      // Scouter's Rust core reads this one 1 ULP off (1.9644660940672625); see f64.ts.
      { name: 'drifty', value: 1.9644660940672622, threshold: 'Outside', threshold_value: 0.1 },
    ],
  },
  'all three kinds, OpsGenie P1, year and names in the cron, negative and zero baselines': {
    space: 'interop',
    name: 'mixed',
    version: '0.1.0',
    schedule: '0 30 9 * * Mon-Fri 2030',
    dispatch: { kind: 'OpsGenie', team: 'sre', priority: 'P1' },
    metrics: [
      { name: 'below', value: -3.5, threshold: 'Below', threshold_value: 0 },
      { name: 'above', value: 0, threshold: 'Above', threshold_value: null },
      { name: 'outside', value: 1e-7, threshold: 'Outside', threshold_value: 1000000 },
    ],
  },
};
cases['non-ASCII metric names, lower-cased the same way as Rust (final sigma, dotted I, titlecase digraph)'] =
  {
    space: 'interop',
    name: 'unicode',
    metrics: [
      { name: 'Précision', value: 0.9, threshold: 'Below', threshold_value: 0.05 },
      { name: 'ΟΔΟΣ', value: 2, threshold: 'Above', threshold_value: 1 },
      { name: 'İstanbul_ms', value: 3, threshold: 'Outside', threshold_value: null },
      { name: 'ǅ latency', value: 4, threshold: 'Outside', threshold_value: 0.5 },
    ],
  };
for (const member of Object.keys(CommonCrons) as (keyof typeof CommonCrons)[]) {
  cases[`CommonCrons.${member}`] = {
    space: 'interop',
    name: `cron-${member.toLowerCase()}`,
    schedule: { common: member },
    metrics: [{ name: 'm', value: 1.5, threshold: 'Outside', threshold_value: 0.25 }],
  };
}
const entries = Object.entries(cases);

interface PyLoaded {
  from_file: PyProfile;
  model_validate_json: PyProfile;
  queue_identifier: string | null;
}

/** The profile's JSON in one dialect, as it would be written to a file. */
const jsonIn = (profile: CustomDriftProfile, protocol: 'v0.13' | 'v0.25'): unknown =>
  JSON.parse(JSON.stringify(profile.toJSONFor(protocol)));

describe.each(VENVS)('scouter-ml $scouterMl', (venv) => {
  let env: PythonEnv;
  let dir: string;

  beforeAll(async () => {
    env = await requirePython(venv);
    dir = mkdtempSync(join(tmpdir(), 'scouter-interop-profiles-'));
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('profiles: Python scouter-ml <-> @scouter-ts/core', { timeout: 90_000 }, () => {
    it('a profile built by Drifter().create_drift_profile and saved with save_to_json loads in CustomDriftProfile.load with identical content', async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      const items = entries.map(([, spec], i) => ({ spec, path: join(dir, 'py', `profile-${i}`) }));
      const created = await runPython<(PyProfile & { path: string })[]>(venv, 'create_profile', { items });
      expect(created).toHaveLength(entries.length);
      entries.forEach(([label], i) => {
        const py = created[i]!;
        expect(py.path, label).toBe(`${items[i]!.path}.json`);
        expect(py.scouter_version, label).toBe(venv.id === 'v0.13' ? '0.13.0' : '0.25.0');
        expect(JSON.parse(readFileSync(py.path, 'utf8')), label).toStrictEqual(py.dump);

        const ours = CustomDriftProfile.load(py.path);
        expect(ours.protocol, label).toBe(venv.protocol);
        expect(jsonOf(ours), label).toStrictEqual(py.dump);
        expect(ours.scouterVersion, label).toBe(py.scouter_version);
        expect(ours.config.alertConfig.schedule, label).toBe(py.schedule);
        expect(tsCustomMetrics(ours), label).toStrictEqual(pyCustomMetrics(py));
        expect(`AlertDispatchType.${ours.config.alertConfig.dispatchType}`, label).toBe(py.dispatch_type);
      });
    });

    it("a profile saved by our save() loads with Python's from_file, model_validate_json and ScouterQueue.from_path with identical content", async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      const ours = entries.map(([, spec]) => buildTsProfile(spec));
      const paths = ours.map((profile, i) =>
        profile.save(join(dir, 'ts', `profile-${i}`), { protocol: venv.protocol }),
      );
      paths.forEach((path, i) => expect(path).toBe(join(dir, 'ts', `profile-${i}.json`)));
      // from_path sleeps 1 s per profile: load two of them through the queue, all of them through the profile API.
      const loaded = await runPython<PyLoaded[]>(venv, 'load_profile', {
        items: paths.map((path, i) => ({ path, queue: i < 2 })),
      });
      entries.forEach(([label], i) => {
        const py = loaded[i]!;
        const json = jsonIn(ours[i]!, venv.protocol);
        expect(jsonDiff(py.from_file.dump, json), label).toStrictEqual([]);
        expect(jsonDiff(py.model_validate_json.dump, json), label).toStrictEqual([]);
        expect(jsonDiff(py.from_file.model_dump, json), label).toStrictEqual([]);
        expect(jsonDiff(pyCustomMetrics(py.from_file), tsCustomMetrics(ours[i]!)), label).toStrictEqual([]);
        if (i < 2) expect(py.queue_identifier, label).toBe(ours[i]!.identifier);
      });
      // The only inexact value is the one serde_json misreads; ours reads the file exactly.
      const drifty = (loaded[2]!.from_file.dump as { metrics: Record<string, number> }).metrics.drifty;
      expect(drifty).toBe(1.9644660940672625);
      expect(CustomDriftProfile.load(paths[2]!).metrics.drifty).toBe(1.9644660940672622);
      const inexact = loaded.flatMap((py, i) =>
        jsonDiff(py.from_file.dump, jsonIn(ours[i]!, venv.protocol), 0),
      );
      expect(inexact).toStrictEqual([
        // v0.25 repeats the baseline in the alert condition, and misreads it there too.
        ...(venv.id === 'v0.25'
          ? [
              '$.config.alert_config.alert_conditions.drifty.baseline_value: 1.9644660940672625 != 1.9644660940672622',
            ]
          : []),
        '$.metrics.drifty: 1.9644660940672625 != 1.9644660940672622',
      ]);
    });

    it('the same arguments give the same profile JSON in Python and in TypeScript', async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      const items = entries.map(([, spec], i) => ({ spec, path: join(dir, 'same', `profile-${i}`) }));
      const created = await runPython<PyProfile[]>(venv, 'create_profile', { items });
      entries.forEach(([label, spec], i) => {
        const ours = buildTsProfile(spec);
        // A v0.25 profile gets a random uid when it is built (Python) or first written (ours): compare the rest.
        const uid = (created[i]!.dump as { config: { uid?: string } }).config.uid;
        if (uid !== undefined) ours.updateConfigArgs({ uid });
        expect(jsonIn(ours, venv.protocol), label).toStrictEqual(created[i]!.dump);
      });
    });
  });

  describe(
    "cron dialect: our validateCron/nextCronRun against the Python client's",
    { timeout: 90_000 },
    () => {
      const exprs = [
        '*/5 * * * * *',
        '*/2 * * * * *',
        '1-10/3 * * * * *',
        '0 0 12 * * MON-FRI',
        '0 30 9 * * 2-6',
        '0 0 0 * * 7',
        '0 0 0 * * sun',
        '0 0 0 * * Sun-Sat',
        '0 0 0 1 jan *',
        '0 15 10 ? * *',
        '0 0 0 1 1 * 2030',
        '0 0 0 * * * 1999',
        '@daily',
        '@hourly',
        '@weekly',
        '@monthly',
        '@yearly',
        // Rejected by Scouter (Python silently replaces them with EveryDay; we throw InvalidCronError).
        '* * * * *',
        '0 0 25 * * *',
        '0 0 0 * * 0',
        '0 0 0 * * 8',
        '0 0 0 L * *',
        '0 0 0 * * 1#2',
        '0 0 0 * * 7-1',
        '',
      ];

      interface CronResult {
        kept: Record<string, boolean>;
        every_day: string;
        common: Record<string, { cron: string; before: string; next: string; after: string }>;
      }

      it('accepts exactly the schedules Scouter accepts; rejects the others instead of silently using EveryDay', async (ctx) => {
        if (!env.ok) ctx.skip(skipMessage(env));
        const py = await runPython<CronResult>(venv, 'cron_dialect', { exprs });
        const ours = Object.fromEntries(
          exprs.map((expr) => {
            try {
              validateCron(expr);
              return [expr, true];
            } catch (err) {
              expect(err).toBeInstanceOf(InvalidCronError);
              return [expr, false];
            }
          }),
        );
        expect(ours).toStrictEqual(py.kept);
        expect(Object.values(py.kept).filter((kept) => !kept)).toHaveLength(8);
        for (const expr of exprs.filter((e) => !py.kept[e])) {
          expect(() => new CustomMetricAlertConfig({ schedule: expr }), expr).toThrow(InvalidCronError);
        }
        expect(new CustomMetricAlertConfig().schedule).toBe(py.every_day);
      });

      it('CommonCrons strings and next fire times are the ones CommonCrons.get_next() computes', async (ctx) => {
        if (!env.ok) ctx.skip(skipMessage(env));
        const py = await runPython<CronResult>(venv, 'cron_dialect', { exprs: [] });
        expect(Object.keys(py.common).sort()).toStrictEqual(Object.keys(CommonCrons).sort());
        for (const [member, { cron, before, next, after }] of Object.entries(py.common)) {
          expect(CommonCrons[member as keyof typeof CommonCrons], member).toBe(cron);
          // Python read the clock itself between `before` and `after`; a boundary may fall in between.
          const candidates = [nextCronRun(cron, new Date(before)), nextCronRun(cron, new Date(after))].map(
            (d) => d?.toISOString().replace('.000Z', 'Z'),
          );
          expect(candidates, member).toContain(next);
        }
      });
    },
  );
});
