import { describe, expect, it } from 'vitest';
import {
  AlertDispatchType,
  AlertThreshold,
  CommonCrons,
  ConsoleDispatchConfig,
  CustomMetric,
  CustomMetricAlertCondition,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  InvalidCronError,
  InvalidOptionsError,
  OpsGenieDispatchConfig,
  SlackDispatchConfig,
  type DispatchConfig,
} from '../index.js';

function optionsError(fn: () => unknown): InvalidOptionsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect((err as InvalidOptionsError).code).toBe('ERR_INVALID_OPTIONS');
    return err as InvalidOptionsError;
  }
  throw new Error('expected an InvalidOptionsError');
}

describe('AlertThreshold', () => {
  it('has the three serde names', () => {
    expect(AlertThreshold).toEqual({ Below: 'Below', Above: 'Above', Outside: 'Outside' });
  });
});

describe('CustomMetric', () => {
  it('lower-cases the name and exposes the condition', () => {
    const m = new CustomMetric({
      name: 'MAE',
      value: 12.4,
      alertThreshold: AlertThreshold.Above,
      alertThresholdValue: 2,
    });
    expect(m.name).toBe('mae');
    expect(m.classId).toBe('mae');
    expect(m.value).toBe(12.4);
    expect(m.alertThreshold).toBe('Above');
    expect(m.alertThresholdValue).toBe(2);
    expect(m.alertCondition).toBeInstanceOf(CustomMetricAlertCondition);
    expect(JSON.stringify(m)).toBe(
      '{"name":"mae","value":12.4,"alert_condition":{"alert_threshold":"Above","alert_threshold_value":2}}',
    );
  });

  it('defaults the threshold value to null and accepts 0 and null', () => {
    expect(new CustomMetric({ name: 'a', value: 1, alertThreshold: 'Below' }).alertThresholdValue).toBeNull();
    expect(
      new CustomMetric({ name: 'a', value: 1, alertThreshold: 'Below', alertThresholdValue: null })
        .alertThresholdValue,
    ).toBeNull();
    expect(
      new CustomMetric({ name: 'a', value: -3, alertThreshold: 'Below', alertThresholdValue: 0 })
        .alertThresholdValue,
    ).toBe(0);
  });

  it.each([NaN, Infinity, -Infinity])('rejects value %s', (value) => {
    const err = optionsError(() => new CustomMetric({ name: 'mae', value, alertThreshold: 'Above' }));
    expect(err.message).toMatch(/value: must be a finite number/);
  });

  it.each([NaN, Infinity, -Infinity, -0.5])('rejects threshold value %s', (alertThresholdValue) => {
    const err = optionsError(
      () => new CustomMetric({ name: 'mae', value: 1, alertThreshold: 'Outside', alertThresholdValue }),
    );
    expect(err.message).toMatch(/alertThresholdValue: must be .*>= 0/);
  });

  it('rejects bad names and thresholds, listing every field', () => {
    const err = optionsError(
      () =>
        new CustomMetric({
          name: ' ',
          value: '1' as unknown as number,
          alertThreshold: 'above' as AlertThreshold,
        }),
    );
    expect(err.message).toContain('name: must be a non-empty metric name');
    expect(err.message).toContain('value: must be a finite number');
    expect(err.message).toContain('alertThreshold: must be AlertThreshold.Below');
    optionsError(
      () =>
        new CustomMetric(undefined as unknown as { name: string; value: number; alertThreshold: 'Above' }),
    );
    optionsError(
      () =>
        new CustomMetric({ value: 1, alertThreshold: 'Above' } as unknown as {
          name: string;
          value: number;
          alertThreshold: 'Above';
        }),
    );
  });

  it('CustomMetricAlertCondition validates the same way', () => {
    expect(new CustomMetricAlertCondition({ alertThreshold: 'Outside' }).toJSON()).toEqual({
      alert_threshold: 'Outside',
      alert_threshold_value: null,
    });
    optionsError(
      () => new CustomMetricAlertCondition({ alertThreshold: 'Outside', alertThresholdValue: -1 }),
    );
  });
});

describe('dispatch configs', () => {
  it('write the externally tagged JSON with Scouter defaults', () => {
    expect(JSON.stringify(new ConsoleDispatchConfig())).toBe('{"Console":{"enabled":true}}');
    expect(JSON.stringify(new SlackDispatchConfig({ channel: 'ml-alerts' }))).toBe(
      '{"Slack":{"channel":"ml-alerts"}}',
    );
    expect(JSON.stringify(new OpsGenieDispatchConfig({ team: 'ml-team' }))).toBe(
      '{"OpsGenie":{"team":"ml-team","priority":"P5"}}',
    );
    expect(new OpsGenieDispatchConfig({ team: 't', priority: 'P1' }).priority).toBe('P1');
  });

  it('validate their options', () => {
    expect(optionsError(() => new SlackDispatchConfig({ channel: '' })).message).toMatch(
      /channel: must be a non-empty/,
    );
    optionsError(() => new SlackDispatchConfig({} as { channel: string }));
    expect(
      optionsError(() => new OpsGenieDispatchConfig({ team: 't', priority: 'P6' as 'P5' })).message,
    ).toMatch(/priority: must be one of "P1", "P2", "P3", "P4", "P5"/);
    optionsError(() => new OpsGenieDispatchConfig({ team: '' }));
    optionsError(() => new ConsoleDispatchConfig({ enabled: 'yes' as unknown as boolean }));
  });
});

describe('CustomMetricAlertConfig', () => {
  it('defaults to EveryDay and Console, without conditions', () => {
    const c = new CustomMetricAlertConfig();
    expect(c.schedule).toBe(CommonCrons.EveryDay);
    expect(c.dispatchType).toBe(AlertDispatchType.Console);
    expect(c.dispatchConfig).toBeInstanceOf(ConsoleDispatchConfig);
    expect(c.alertConditions).toBeNull();
    expect(JSON.stringify(c)).toBe(
      '{"dispatch_config":{"Console":{"enabled":true}},"schedule":"0 0 0 * * *","alert_conditions":null}',
    );
  });

  it('keeps a custom schedule and dispatch', () => {
    const c = new CustomMetricAlertConfig({
      schedule: '*/5 * * * * *',
      dispatchConfig: new OpsGenieDispatchConfig({ team: 'ml', priority: 'P2' }),
    });
    expect(c.schedule).toBe('*/5 * * * * *');
    expect(c.dispatchType).toBe('OpsGenie');
  });

  it('accepts the wire JSON of a dispatch config', () => {
    const c = new CustomMetricAlertConfig({
      dispatchConfig: { Slack: { channel: 'x' } } as unknown as DispatchConfig,
    });
    expect(c.dispatchConfig).toBeInstanceOf(SlackDispatchConfig);
    expect(c.dispatchType).toBe('Slack');
  });

  it('throws at construction for an invalid schedule, unlike Scouter which silently uses daily', () => {
    expect(() => new CustomMetricAlertConfig({ schedule: '0 0 * * *' })).toThrow(InvalidCronError);
    expect(() => new CustomMetricAlertConfig({ schedule: 'every day' })).toThrow(/Example: "0 0 0 \* \* \*"/);
    const err = optionsError(() => new CustomMetricAlertConfig({ schedule: 5 as unknown as string }));
    expect(err.message).toMatch(/schedule: must be a cron string or a CommonCrons member/);
    const c = new CustomMetricAlertConfig();
    expect(() => {
      c.schedule = '* * *';
    }).toThrow(InvalidCronError);
    expect(c.schedule).toBe(CommonCrons.EveryDay);
    c.schedule = CommonCrons.EveryHour;
    expect(c.schedule).toBe('0 0 * * * *');
  });

  it.each([
    [{ Teams: { channel: 'x' } }],
    [{ kind: 'Teams' }],
    [{ Console: { enabled: true }, Slack: { channel: 'x' } }],
    ['Console'],
    [null],
    [42],
  ])('rejects unknown dispatch kind %j', (dispatchConfig) => {
    const err = optionsError(
      () => new CustomMetricAlertConfig({ dispatchConfig: dispatchConfig as unknown as DispatchConfig }),
    );
    expect(err.message).toMatch(
      /dispatchConfig: expected new ConsoleDispatchConfig\(\), new SlackDispatchConfig/,
    );
  });
});

describe('CustomMetricDriftConfig', () => {
  it("has Scouter's defaults", () => {
    const c = new CustomMetricDriftConfig({ space: 's', name: 'n' });
    expect(c.version).toBe('0.0.0');
    expect(c.sampleSize).toBe(25);
    expect(c.driftType).toBe('Custom');
    expect(c.alertConfig.schedule).toBe('0 0 0 * * *');
    expect(Object.keys(c.toJSON())).toEqual([
      'sample_size',
      'space',
      'name',
      'version',
      'alert_config',
      'drift_type',
    ]);
    const none = new CustomMetricDriftConfig();
    expect([none.space, none.name]).toEqual(['__missing__', '__missing__']);
  });

  it('validates identity, version and sample size', () => {
    const err = optionsError(
      () => new CustomMetricDriftConfig({ space: '', name: 'n', version: 'v1', sampleSize: 0 }),
    );
    expect(err.message).toContain('space: must be a non-empty space');
    expect(err.message).toContain('version: must be "X", "X.Y" or "X.Y.Z"');
    expect(err.message).toContain('sampleSize: must be a positive integer');
    optionsError(() => new CustomMetricDriftConfig({ sampleSize: 2.5 }));
    optionsError(() => new CustomMetricDriftConfig({ alertConfig: {} as CustomMetricAlertConfig }));
    expect(new CustomMetricDriftConfig({ version: '2' }).version).toBe('2');
    expect(new CustomMetricDriftConfig({ version: '0.10.20' }).version).toBe('0.10.20');
    for (const version of ['01.0.0', '1.0.0-rc1', '1.0.0.0', '1.', 'v1', '', '1.0.0+build']) {
      expect(() => new CustomMetricDriftConfig({ version }), version).toThrow(InvalidOptionsError);
    }
  });

  it('updateConfigArgs changes only what is given and validates it', () => {
    const c = new CustomMetricDriftConfig({ space: 's', name: 'n', version: '1.0.0' });
    c.updateConfigArgs({ name: 'm' });
    expect([c.space, c.name, c.version]).toEqual(['s', 'm', '1.0.0']);
    optionsError(() => c.updateConfigArgs({ space: '' }));
    optionsError(() => c.updateConfigArgs(null as unknown as object));
    expect(c.space).toBe('s');
  });
});

describe('option typos', () => {
  it('are rejected, naming the unknown option', () => {
    const err = optionsError(
      () =>
        new CustomMetric({
          name: 'mae',
          value: 1,
          alertThreshold: 'Above',
          alertThresholdvalue: 0.5,
        } as unknown as {
          name: string;
          value: number;
          alertThreshold: 'Above';
        }),
    );
    expect(err.message).toContain('  - alertThresholdvalue: unknown option (check the spelling)');
    expect(
      optionsError(() => new CustomMetricDriftConfig({ sampelSize: 5 } as unknown as { sampleSize: number }))
        .message,
    ).toContain('sampelSize: unknown option');
    optionsError(
      () => new CustomMetricAlertConfig({ scedule: '0 0 0 * * *' } as unknown as { schedule: string }),
    );
    optionsError(
      () => new SlackDispatchConfig({ channel: 'x', chanel: 'y' } as unknown as { channel: string }),
    );
  });
});

describe('fromJSON of the parts', () => {
  it('reads and validates alert configs, drift configs and conditions with field paths', async () => {
    const { InvalidProfileError } = await import('../index.js');
    const config = CustomMetricDriftConfig.fromJSON({
      sample_size: 5,
      space: 's',
      name: 'n',
      version: '1.0.0',
      alert_config: {
        dispatch_config: { Slack: { channel: 'c' } },
        schedule: '0 0 * * * *',
        alert_conditions: null,
      },
    });
    expect(config.sampleSize).toBe(5);
    expect(config.alertConfig.dispatchType).toBe('Slack');
    expect(JSON.stringify(config)).toBe(
      '{"sample_size":5,"space":"s","name":"n","version":"1.0.0","alert_config":{"dispatch_config":{"Slack":{"channel":"c"}},"schedule":"0 0 * * * *","alert_conditions":null},"drift_type":"Custom"}',
    );
    expect(() => CustomMetricDriftConfig.fromJSON({ ...config.toJSON(), sample_size: 'x' })).toThrow(
      expect.objectContaining({ path: 'sample_size' }),
    );
    expect(() =>
      CustomMetricDriftConfig.fromJSON({
        ...config.toJSON(),
        alert_config: { ...config.alertConfig.toJSON(), schedule: 'x' },
      }),
    ).toThrow(expect.objectContaining({ path: 'alert_config.schedule' }));
    expect(() =>
      CustomMetricAlertConfig.fromJSON({ dispatch_config: { Teams: {} }, schedule: '0 0 0 * * *' }),
    ).toThrow(InvalidProfileError);
    expect(CustomMetricAlertCondition.fromJSON({ alert_threshold: 'Below' }).alertThresholdValue).toBeNull();
    expect(() => CustomMetricAlertCondition.fromJSON({ alert_threshold: 'below' })).toThrow(
      expect.objectContaining({ path: 'alert_threshold' }),
    );
  });
});
