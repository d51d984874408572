import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScouterError } from '../index.js';
import {
  AlertThreshold,
  CommonCrons,
  ConsoleDispatchConfig,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  InvalidOptionsError,
  InvalidProfileError,
  OpsGenieDispatchConfig,
  ScouterIoError,
  SlackDispatchConfig,
  profileRequestJson,
} from '../index.js';

const FIXTURES = new URL('../../test-fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

/** serde writes f64 `1.0` where JS writes `1` (reference §2.9); everything else must match byte for byte. */
const jsNumbers = (serdeText: string) => serdeText.trim().replace(/(\d)\.0(?=[,\n}\]])/g, '$1');

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function scouterTestConfig() {
  return new CustomMetricDriftConfig({
    name: 'test',
    space: 'test',
    alertConfig: new CustomMetricAlertConfig({
      schedule: '0 0 * * * *',
      dispatchConfig: new SlackDispatchConfig({ channel: 'test_channel' }),
    }),
  });
}

describe('golden fixtures (Scouter v0.13 JSON)', () => {
  it("reproduces Scouter's test_custom_profile byte for byte", () => {
    const profile = new Drifter().createDriftProfile(
      new CustomMetric({
        name: 'accuracy',
        value: 0.75,
        alertThreshold: AlertThreshold.Below,
        alertThresholdValue: 0.05,
      }),
      scouterTestConfig(),
    );
    expect(profile.toJSONString()).toBe(jsNumbers(fixture('test-custom-profile.json')));
    expect(profile.metrics).toEqual({ accuracy: 0.75 });
    expect(profile.scouterVersion).toBe('0.13.0');
    const [metric] = profile.customMetrics;
    expect(metric?.name).toBe('accuracy');
    expect(metric?.value).toBe(0.75);
    expect(metric?.alertThreshold).toBe('Below');
    expect(metric?.alertThresholdValue).toBe(0.05);
  });

  it('reproduces the reference §2.9 profile from the builder API', () => {
    const config = new CustomMetricDriftConfig({
      space: 'scouter',
      name: 'model',
      version: '0.1.0',
      alertConfig: new CustomMetricAlertConfig({
        schedule: CommonCrons.Every5Minutes,
        dispatchConfig: new SlackDispatchConfig({ channel: 'ml-alerts' }),
      }),
    });
    const profile = Drifter.createDriftProfile(
      [
        new CustomMetric({ name: 'MAE', value: 1.0, alertThreshold: 'Outside', alertThresholdValue: 0.5 }),
        new CustomMetric({ name: 'accuracy', value: 0.85, alertThreshold: 'Below' }),
      ],
      config,
    );
    expect(profile.toJSONString()).toBe(jsNumbers(fixture('reference-2.9.json')));
  });

  it('reproduces the Console, OpsGenie and null-threshold fixtures', () => {
    const build = (
      alertConfig: CustomMetricAlertConfig,
      threshold: 'Above' | 'Outside',
      value: number | null,
      sampleSize = 25,
    ) =>
      new CustomDriftProfile(
        new CustomMetricDriftConfig({
          space: 'scouter',
          name: 'model',
          version: '0.1.0',
          sampleSize,
          alertConfig,
        }),
        [
          new CustomMetric({
            name: 'mae',
            value: 12.4,
            alertThreshold: threshold,
            alertThresholdValue: value,
          }),
        ],
      ).toJSONString();
    expect(build(new CustomMetricAlertConfig(), 'Above', 2)).toBe(
      jsNumbers(fixture('dispatch-console.json')),
    );
    expect(
      build(
        new CustomMetricAlertConfig({
          schedule: CommonCrons.EveryWeek,
          dispatchConfig: new OpsGenieDispatchConfig({ team: 'ml-team' }),
        }),
        'Above',
        2,
        5,
      ),
    ).toBe(jsNumbers(fixture('dispatch-opsgenie.json')));
    expect(
      build(
        new CustomMetricAlertConfig({
          schedule: CommonCrons.Every6Hours,
          dispatchConfig: new SlackDispatchConfig({ channel: 'ml-alerts' }),
        }),
        'Above',
        2,
      ),
    ).toBe(jsNumbers(fixture('dispatch-slack.json')));
    expect(
      build(new CustomMetricAlertConfig({ dispatchConfig: new ConsoleDispatchConfig() }), 'Outside', null),
    ).toBe(jsNumbers(fixture('null-threshold-value.json')));
  });

  it.each([
    ['reference-2.9.json', 'reference-2.9.json'],
    ['test-custom-profile.json', 'test-custom-profile.json'],
    ['dispatch-console.json', 'dispatch-console.json'],
    ['dispatch-slack.json', 'dispatch-slack.json'],
    ['dispatch-opsgenie.json', 'dispatch-opsgenie.json'],
    ['null-threshold-value.json', 'null-threshold-value.json'],
    ['null-alert-conditions.json', 'null-alert-conditions.json'],
    ['no-drift-type.json', 'test-custom-profile.json'],
    ['wrapped-custom.json', 'reference-2.9.json'],
    ['omitted-threshold-value.json', 'null-threshold-value.json'],
    ['unknown-fields.json', 'reference-2.9.json'],
  ])(
    'fromJSON(%s) -> toJSON gives the canonical %s, and survives a second round trip',
    (input, canonical) => {
      const profile = CustomDriftProfile.fromJSON(fixture(input));
      const once = profile.toJSONString();
      expect(once).toBe(jsNumbers(fixture(canonical)));
      const again = CustomDriftProfile.fromJSON(JSON.parse(once));
      expect(again.toJSONString()).toBe(once);
      expect(again).toBeInstanceOf(CustomDriftProfile);
      expect(again.config).toBeInstanceOf(CustomMetricDriftConfig);
    },
  );

  it('writes Scouter key order whatever order the input had (e.g. a Postgres jsonb round trip)', () => {
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortKeys)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .sort(([a], [b]) => a.length - b.length || (a < b ? -1 : 1))
                .map(([k, x]) => [k, sortKeys(x)]),
            )
          : v;
    const shuffled = sortKeys(JSON.parse(fixture('reference-2.9.json')));
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(JSON.parse(fixture('reference-2.9.json'))));
    const profile = CustomDriftProfile.fromJSON(shuffled);
    const expected = JSON.parse(fixture('reference-2.9.json')) as { metrics: Record<string, number> };
    const got = profile.toJSON();
    expect(Object.keys(got)).toEqual(['config', 'metrics', 'scouter_version']);
    expect(Object.keys(got.config)).toEqual([
      'sample_size',
      'space',
      'name',
      'version',
      'alert_config',
      'drift_type',
    ]);
    expect(Object.keys(got.config.alert_config)).toEqual(['dispatch_config', 'schedule', 'alert_conditions']);
    expect(got).toEqual(expected);
    expect(CustomDriftProfile.fromJSON(profile).toJSONString()).toBe(profile.toJSONString());
  });

  it('reads the wrapper and the bare form to the same object', () => {
    const bare = CustomDriftProfile.fromJSON(fixture('reference-2.9.json'));
    const wrapped = CustomDriftProfile.fromJSON(JSON.parse(fixture('wrapped-custom.json')));
    expect(wrapped.toJSON()).toEqual(bare.toJSON());
    expect(bare.config.alertConfig.dispatchType).toBe('Slack');
    expect(bare.config.alertConfig.dispatchConfig).toBeInstanceOf(SlackDispatchConfig);
    expect(bare.metrics).toEqual({ mae: 1, accuracy: 0.85 });
    expect(bare.customMetrics.map((m) => [m.name, m.value, m.alertThreshold, m.alertThresholdValue])).toEqual(
      [
        ['mae', 1, 'Outside', 0.5],
        ['accuracy', 0.85, 'Below', null],
      ],
    );
  });

  it('keeps a profile without alert conditions readable, but customMetrics explains what is missing', () => {
    const profile = CustomDriftProfile.fromJSON(fixture('null-alert-conditions.json'));
    expect(profile.config.alertConfig.alertConditions).toBeNull();
    expect(() => profile.customMetrics).toThrow(/alert thresholds have not been set/);
  });
});

describe('fromJSON rejects malformed input with a field path, never a crash', () => {
  const cases: Record<string, string> = {
    'not-json.txt': '',
    'empty-file.json': '',
    'array.json': '',
    'null.json': '',
    'missing-sample-size.json': 'config.sample_size',
    'negative-sample-size.json': 'config.sample_size',
    'fractional-sample-size.json': 'config.sample_size',
    'unknown-dispatch.json': 'config.alert_config.dispatch_config',
    'two-dispatch-kinds.json': 'config.alert_config.dispatch_config',
    'slack-without-channel.json': 'config.alert_config.dispatch_config',
    'dispatch-as-string.json': 'config.alert_config.dispatch_config',
    'spc-drift-type.json': 'config.drift_type',
    'lowercase-threshold.json': 'config.alert_config.alert_conditions.mae.alert_threshold',
    'threshold-value-string.json': 'config.alert_config.alert_conditions.mae.alert_threshold_value',
    'null-metric-value.json': 'metrics.mae',
    'string-metric-value.json': 'metrics.mae',
    'five-field-schedule.json': 'config.alert_config.schedule',
    'missing-scouter-version.json': 'scouter_version',
    'missing-alert-config.json': 'config.alert_config',
    'spc-wrapper.json': 'Spc',
    'custom-wrapper-invalid.json': 'Custom.config.sample_size',
  };

  it('has a case for every malformed fixture', () => {
    expect(readdirSync(new URL('malformed/', FIXTURES)).sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(Object.entries(cases))('%s -> InvalidProfileError at "%s" (text and load)', (file, path) => {
    const text = fixture(`malformed/${file}`);
    let caught: unknown;
    try {
      CustomDriftProfile.fromJSON(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidProfileError);
    const err = caught as InvalidProfileError;
    expect(err.code).toBe('ERR_INVALID_PROFILE');
    expect(err.path).toBe(path);
    if (path !== '') expect(err.message).toContain(path);
    const filePath = fileURLToPath(new URL(`malformed/${file}`, FIXTURES));
    let fromFile: unknown;
    try {
      CustomDriftProfile.load(filePath);
    } catch (e) {
      fromFile = e;
    }
    expect(fromFile).toBeInstanceOf(InvalidProfileError);
    expect((fromFile as InvalidProfileError).path).toBe(path);
    expect((fromFile as Error).message).toContain(filePath);
  });

  it('rejects non-JSON values passed as objects', () => {
    for (const value of [undefined, 42, true, [], {}, { Custom: 1 }, { config: null }]) {
      expect(() => CustomDriftProfile.fromJSON(value)).toThrow(InvalidProfileError);
    }
  });

  it('names the missing field instead of a type dump', () => {
    expect(() => CustomDriftProfile.fromJSON(fixture('malformed/missing-sample-size.json'))).toThrow(
      /config\.sample_size: missing required field/,
    );
  });
});

describe('CustomDriftProfile construction', () => {
  const metric = (name: string, value = 1) =>
    new CustomMetric({ name, value, alertThreshold: 'Above', alertThresholdValue: 0.1 });

  it('accepts a single metric or a list', () => {
    expect(Object.keys(Drifter.createDriftProfile(metric('a'), scouterTestConfig()).metrics)).toEqual(['a']);
    expect(
      Object.keys(Drifter.createDriftProfile([metric('a'), metric('b')], scouterTestConfig()).metrics),
    ).toEqual(['a', 'b']);
  });

  it('rejects an empty list like Scouter ("No metrics found")', () => {
    expect(() => new CustomDriftProfile(scouterTestConfig(), [])).toThrow(InvalidProfileError);
    expect(() => new CustomDriftProfile(scouterTestConfig(), [])).toThrow(/No metrics found/);
  });

  it('rejects duplicate names, also when they differ only in case, naming the duplicate', () => {
    expect(
      () => new CustomDriftProfile(scouterTestConfig(), [metric('mae'), metric('rmse'), metric('MAE')]),
    ).toThrow(/Duplicate metric name "mae" \(metrics\[2\]\)/);
  });

  it('rejects things that are not CustomMetric or CustomMetricDriftConfig', () => {
    expect(
      () =>
        new CustomDriftProfile(scouterTestConfig(), [{ name: 'mae', value: 1 } as unknown as CustomMetric]),
    ).toThrow(InvalidOptionsError);
    expect(() => Drifter.createDriftProfile(metric('a'), {} as CustomMetricDriftConfig)).toThrow(
      InvalidOptionsError,
    );
  });

  it("copies the config, so the caller's config is not changed", () => {
    const config = scouterTestConfig();
    const profile = new CustomDriftProfile(config, [metric('a')]);
    expect(config.alertConfig.alertConditions).toBeNull();
    expect(profile.config).not.toBe(config);
    expect(Object.keys(profile.config.alertConfig.alertConditions ?? {})).toEqual(['a']);
  });

  it('keeps names such as "constructor" and refuses "__proto__" with a clear error', () => {
    const profile = new CustomDriftProfile(scouterTestConfig(), [
      metric('constructor', 4),
      metric('tostring', 5),
    ]);
    expect(JSON.parse(profile.toJSONString()).metrics).toEqual({ constructor: 4, tostring: 5 });
    expect(CustomDriftProfile.fromJSON(profile.toJSONString()).toJSONString()).toBe(profile.toJSONString());
    expect(() => metric('__proto__')).toThrow(InvalidOptionsError);
    const text = profile.toJSONString().replace('"constructor": 4', '"__proto__": 4');
    expect(() => CustomDriftProfile.fromJSON(text)).toThrow(
      expect.objectContaining({ path: 'metrics.__proto__' }),
    );
  });

  it('updateConfigArgs changes only the given fields and keeps the alert conditions', () => {
    const profile = new CustomDriftProfile(scouterTestConfig(), [metric('a')]);
    profile.updateConfigArgs({ version: '1.2.0' });
    expect(profile.config.version).toBe('1.2.0');
    expect(profile.config.space).toBe('test');
    expect(profile.identifier).toBe('test/test/v1.2.0/custom');
    profile.updateConfigArgs({ space: 'prod', name: 'churn' });
    expect(profile.identifier).toBe('prod/churn/v1.2.0/custom');
    profile.updateConfigArgs({
      alertConfig: new CustomMetricAlertConfig({ schedule: CommonCrons.EveryHour }),
    });
    expect(profile.config.alertConfig.schedule).toBe('0 0 * * * *');
    expect(profile.config.alertConfig.dispatchType).toBe('Console');
    expect(Object.keys(profile.config.alertConfig.alertConditions ?? {})).toEqual(['a']);
    expect(() => profile.updateConfigArgs({ version: '1.0.0-rc1' })).toThrow(InvalidOptionsError);
    expect(profile.config.version).toBe('1.2.0');
  });
});

describe('createProfileRequest', () => {
  it('matches the Python client body of reference §1.3.1, key order included', () => {
    const profile = new CustomDriftProfile(
      new CustomMetricDriftConfig({ space: 'scouter', name: 'model', version: '0.1.0' }),
      [
        new CustomMetric({
          name: 'mae',
          value: 12.4,
          alertThreshold: AlertThreshold.Above,
          alertThresholdValue: 2.0,
        }),
      ],
    );
    const expected = JSON.parse(fixture('profile-request-1.3.1.json')) as { profile: string };
    expected.profile = jsNumbers(expected.profile);
    const request = profile.createProfileRequest();
    expect(pretty(request)).toBe(pretty(expected));
    expect(profileRequestJson.parse(request)).toEqual(request);
  });

  it('sends version null for the default 0.0.0 and passes active / deactivateOthers', () => {
    const profile = Drifter.createDriftProfile(
      new CustomMetric({ name: 'accuracy', value: 0.75, alertThreshold: 'Below', alertThresholdValue: 0.05 }),
      scouterTestConfig(),
    );
    const request = profile.createProfileRequest({ active: true, deactivateOthers: true });
    expect(Object.keys(request)).toEqual([
      'space',
      'drift_type',
      'profile',
      'version_request',
      'active',
      'deactivate_others',
    ]);
    expect(request.version_request).toEqual({
      version: null,
      version_type: 'Minor',
      pre_tag: null,
      build_tag: null,
    });
    expect(Object.keys(request.version_request)).toEqual(['version', 'version_type', 'pre_tag', 'build_tag']);
    expect(request.active).toBe(true);
    expect(request.deactivate_others).toBe(true);
    expect(request.profile).toBe(jsNumbers(fixture('test-custom-profile.json')));
    expect(() => profile.createProfileRequest({ active: 'yes' as unknown as boolean })).toThrow(
      InvalidOptionsError,
    );
  });
});

describe('save and load', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scouter-profile-'));
    cwd = process.cwd();
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  const profile = () => CustomDriftProfile.fromJSON(fixture('reference-2.9.json'));

  it('creates parent folders, forces .json and loads back an identical profile', () => {
    const p = profile();
    const written = p.save(join(dir, 'a', 'b', 'profile.txt'));
    expect(written).toBe(join(dir, 'a', 'b', 'profile.json'));
    expect(readFileSync(written, 'utf8')).toBe(p.toJSONString());
    expect(CustomDriftProfile.load(written).toJSONString()).toBe(p.toJSONString());
    expect(p.save(join(dir, 'noext'))).toBe(join(dir, 'noext.json'));
    expect(p.save(join(dir, 'keep.json'))).toBe(join(dir, 'keep.json'));
  });

  it('writes ./custom_drift_profile.json by default', () => {
    process.chdir(dir);
    const written = profile().save();
    expect(written).toBe('./custom_drift_profile.json');
    expect(existsSync(join(dir, 'custom_drift_profile.json'))).toBe(true);
  });

  it('loads a file written by Scouter (serde floats such as 1.0)', () => {
    const file = join(dir, 'scouter.json');
    writeFileSync(file, fixture('reference-2.9.json'));
    expect(CustomDriftProfile.load(file).metrics).toEqual({ mae: 1, accuracy: 0.85 });
  });

  it('reports a missing file as ERR_IO and a malformed file as ERR_INVALID_PROFILE naming the file', () => {
    const missing = join(dir, 'nope.json');
    expect(() => CustomDriftProfile.load(missing)).toThrow(ScouterIoError);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, fixture('malformed/unknown-dispatch.json'));
    let caught: unknown;
    try {
      CustomDriftProfile.load(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidProfileError);
    expect((caught as ScouterError).message).toContain(bad);
    expect((caught as InvalidProfileError).path).toBe('config.alert_config.dispatch_config');
  });

  it('rejects a path that is not a non-empty string', () => {
    expect(() => profile().save('')).toThrow(InvalidOptionsError);
    expect(() => profile().save(42 as unknown as string)).toThrow(InvalidOptionsError);
    expect(() => CustomDriftProfile.load(undefined as unknown as string)).toThrow(InvalidOptionsError);
  });

  it('reports an unwritable target as ERR_IO', () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    expect(() => profile().save(join(blocker, 'inside.json'))).toThrow(
      expect.objectContaining({ code: 'ERR_IO' }),
    );
  });
});

describe('fromJSON never crashes', () => {
  it('answers every mutation of a valid profile with a profile or an InvalidProfileError', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const junk = [
      null,
      undefined,
      0,
      -1,
      1.5,
      NaN,
      '',
      'x',
      'Custom',
      true,
      [],
      {},
      [1],
      { Console: {} },
      '0 0 * * *',
    ];
    const mutate = (value: unknown, depth: number): unknown => {
      if (value === null || typeof value !== 'object' || depth > 6) {
        return random() < 0.04 ? junk[Math.floor(random() * junk.length)] : value;
      }
      const copy: Record<string, unknown> = Array.isArray(value)
        ? ([...value] as unknown as Record<string, unknown>)
        : { ...value };
      for (const key of Object.keys(copy)) {
        const roll = random();
        if (roll < 0.03) delete copy[key];
        else if (roll < 0.06) copy[key] = junk[Math.floor(random() * junk.length)];
        else copy[key] = mutate(copy[key], depth + 1);
      }
      if (random() < 0.05) copy.Extra = 1;
      return copy;
    };
    const base = JSON.parse(fixture('reference-2.9.json')) as unknown;
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 1000; i++) {
      const input = mutate(random() < 0.2 ? { Custom: base } : base, 0);
      try {
        const profile = CustomDriftProfile.fromJSON(input);
        expect(CustomDriftProfile.fromJSON(profile.toJSONString()).toJSONString()).toBe(
          profile.toJSONString(),
        );
        accepted++;
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidProfileError);
        expect(typeof (err as InvalidProfileError).path).toBe('string');
        rejected++;
      }
    }
    expect(accepted).toBeGreaterThan(10);
    expect(rejected).toBeGreaterThan(100);
  });
});
