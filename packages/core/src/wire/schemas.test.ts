import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  TimeInterval,
  TimeIntervalMinutes,
  alertsResponseJson,
  binnedMetricsJson,
  customDriftProfileJson,
  driftAlertRequestQuery,
  driftProfileJson,
  driftRequestQuery,
  getProfileRequestQuery,
  listedProfileJson,
  profileRequestJson,
  profileStatusRequestJson,
  registeredProfileResponseJson,
  serverRecordsJson,
  timeIntervalMinutes,
  updateAlertStatusJson,
} from '../index.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../test-fixtures/${name}`, import.meta.url), 'utf8')) as unknown;

describe('profile schemas', () => {
  it('parse the reference profile and keep its key order', () => {
    const parsed = customDriftProfileJson.parse(fixture('reference-2.9.json'));
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(fixture('reference-2.9.json')));
  });

  it('default drift_type and alert_threshold_value, strip unknown fields', () => {
    const parsed = customDriftProfileJson.parse(fixture('no-drift-type.json'));
    expect(parsed.config.drift_type).toBe('Custom');
    const omitted = customDriftProfileJson.parse(fixture('omitted-threshold-value.json'));
    expect(omitted.config.alert_config.alert_conditions?.mae).toEqual({
      alert_threshold: 'Outside',
      alert_threshold_value: null,
    });
    const extra = customDriftProfileJson.parse(fixture('unknown-fields.json'));
    expect(extra).not.toHaveProperty('extra_top_level');
    expect(extra.config).not.toHaveProperty('uid');
  });

  it('driftProfileJson is the {"Custom": …} wrapper', () => {
    expect(driftProfileJson.safeParse(fixture('wrapped-custom.json')).success).toBe(true);
    expect(driftProfileJson.safeParse(fixture('reference-2.9.json')).success).toBe(false);
    expect(listedProfileJson.parse({ profile: fixture('wrapped-custom.json'), active: true }).active).toBe(
      true,
    );
  });
});

describe('request and response schemas', () => {
  it('ProfileRequest (reference §1.3.1)', () => {
    const body = fixture('profile-request-1.3.1.json');
    expect(profileRequestJson.parse(body)).toEqual(body);
    const minimal = profileRequestJson.parse({
      space: 's',
      drift_type: 'Custom',
      profile: '{}',
      version_request: { version_type: 'Minor' },
    });
    expect(minimal).toEqual({
      space: 's',
      drift_type: 'Custom',
      profile: '{}',
      version_request: { version: null, version_type: 'Minor', pre_tag: null, build_tag: null },
      active: false,
      deactivate_others: false,
    });
    expect(
      profileRequestJson.safeParse({
        space: 's',
        drift_type: 'custom',
        profile: '{}',
        version_request: { version_type: 'Minor' },
      }).success,
    ).toBe(false);
    expect(
      profileRequestJson.safeParse({
        space: 's',
        drift_type: 'Custom',
        profile: {},
        version_request: { version_type: 'Minor' },
      }).success,
    ).toBe(false);
    expect(profileRequestJson.safeParse({ space: 's', drift_type: 'Custom', profile: '{}' }).success).toBe(
      false,
    );
  });

  it('RegisteredProfileResponse and ProfileStatusRequest', () => {
    const response = { space: 'scouter', name: 'model', version: '0.1.0', status: 'success', active: false };
    expect(registeredProfileResponseJson.parse(response)).toEqual(response);
    const status = {
      name: 'model',
      space: 'scouter',
      version: '0.1.0',
      active: true,
      drift_type: 'Custom',
      deactivate_others: false,
    };
    expect(profileStatusRequestJson.parse(status)).toEqual(status);
    expect(profileStatusRequestJson.parse({ ...status, drift_type: undefined }).drift_type).toBeNull();
    expect(profileStatusRequestJson.safeParse({ ...status, deactivate_others: undefined }).success).toBe(
      false,
    );
  });

  it('ServerRecords (reference §2.10)', () => {
    const body = {
      records: [
        {
          Custom: {
            created_at: '2025-11-24T16:33:58.123456Z',
            space: 'scouter',
            name: 'model',
            version: '0.1.0',
            metric: 'mae',
            value: 12.52,
          },
        },
      ],
    };
    expect(serverRecordsJson.parse(body)).toEqual(body);
    expect(serverRecordsJson.parse({ records: [] })).toEqual({ records: [] });
    const record = body.records[0]!.Custom;
    expect(serverRecordsJson.safeParse({ records: [{ Custom: { ...record, value: null } }] }).success).toBe(
      false,
    );
    expect(
      serverRecordsJson.safeParse({ records: [{ Custom: { ...record, metric: undefined } }] }).success,
    ).toBe(false);
    expect(serverRecordsJson.safeParse({ records: [{ Spc: record }] }).success).toBe(false);
    expect(serverRecordsJson.safeParse({ records: [{ Custom: record, Spc: record }] }).success).toBe(false);
  });

  it('query objects accept query-string values', () => {
    expect(
      driftRequestQuery.parse({
        space: 'scouter',
        name: 'model',
        version: '0.1.0',
        time_interval: 'OneHour',
        max_data_points: '1000',
        drift_type: 'Custom',
      }).max_data_points,
    ).toBe(1000);
    expect(
      driftRequestQuery.safeParse({
        space: 's',
        name: 'n',
        version: 'v',
        time_interval: 'TenMinutes',
        max_data_points: 1,
        drift_type: 'Custom',
      }).success,
    ).toBe(false);
    expect(
      driftRequestQuery.safeParse({
        space: 's',
        name: 'n',
        version: 'v',
        time_interval: 'OneHour',
        max_data_points: '1.5',
        drift_type: 'Custom',
      }).success,
    ).toBe(false);
    expect(
      driftAlertRequestQuery.parse({ name: 'm', space: 's', version: '1', active: 'true', limit: '50' }),
    ).toEqual({
      name: 'm',
      space: 's',
      version: '1',
      active: true,
      limit: 50,
    });
    expect(
      driftAlertRequestQuery.parse({ name: 'm', space: 's', version: '1', active: 'false' }).active,
    ).toBe(false);
    expect(
      driftAlertRequestQuery.safeParse({ name: 'm', space: 's', version: '1', active: 'yes' }).success,
    ).toBe(false);
    const q = { name: 'model', space: 'scouter', version: '0.1.0', drift_type: 'Custom' };
    expect(Object.keys(getProfileRequestQuery.parse(q))).toEqual(['name', 'space', 'version', 'drift_type']);
  });

  it('BinnedMetrics, Alerts and UpdateAlertStatus', () => {
    const binned = {
      metrics: {
        mae: {
          metric: 'mae',
          created_at: ['2025-11-24T16:30:03.600Z'],
          stats: [{ avg: 12.7, lower_bound: 11.9, upper_bound: 13.5 }],
        },
      },
    };
    expect(binnedMetricsJson.parse(binned)).toEqual(binned);
    const alert = {
      created_at: '2025-11-25T00:00:04.512345Z',
      name: 'model',
      space: 'scouter',
      version: '0.1.0',
      entity_name: 'mae',
      alert: {
        alert_threshold: 'Above',
        alert_threshold_value: '2',
        entity_name: 'mae',
        observed_metric_value: '15.5',
        training_metric_value: '13',
      },
      id: 7,
      drift_type: 'Custom',
      active: true,
    };
    expect(alertsResponseJson.parse({ alerts: [alert] })).toEqual({ alerts: [alert] });
    expect(alertsResponseJson.parse({})).toEqual({ alerts: [] });
    expect(alertsResponseJson.safeParse({ alerts: [{ ...alert, alert: { x: 1 } }] }).success).toBe(false);
    expect(updateAlertStatusJson.parse({ id: 7, active: false, space: 'scouter' })).toEqual({
      id: 7,
      active: false,
      space: 'scouter',
    });
    expect(updateAlertStatusJson.safeParse({ id: 7, active: false }).success).toBe(false);
  });
});

describe('TimeInterval', () => {
  it("has Scouter's names and minutes", () => {
    expect(Object.keys(TimeInterval)).toEqual([
      'FiveMinutes',
      'FifteenMinutes',
      'ThirtyMinutes',
      'OneHour',
      'ThreeHours',
      'SixHours',
      'TwelveHours',
      'TwentyFourHours',
      'TwoDays',
      'FiveDays',
    ]);
    expect(Object.values(TimeIntervalMinutes)).toEqual([5, 15, 30, 60, 180, 360, 720, 1440, 2880, 7200]);
    expect(TimeInterval.OneHour).toBe('OneHour');
    expect(timeIntervalMinutes(TimeInterval.TwoDays)).toBe(2880);
  });
});
