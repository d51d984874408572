import { describe, expect, it } from 'vitest';
import { buildAlertMap, evaluateProfile, isOutOfBounds } from './evaluate.js';
import { profileJson } from '../testing/fixtures.js';
import { customDriftProfileJson } from '@scouter-ts/core';

const cond = (alert_threshold: 'Below' | 'Above' | 'Outside', alert_threshold_value: number | null) => ({
  alert_threshold,
  alert_threshold_value,
});

describe('isOutOfBounds (Scouter §5.3)', () => {
  it('matches Scouter unit tests', () => {
    expect(isOutOfBounds(12, 14.5, cond('Above', 2))).toBe(true);
    expect(isOutOfBounds(0.76, 0.67, cond('Below', null))).toBe(true);
    expect(isOutOfBounds(13.5, 10.5, cond('Above', null))).toBe(false);
  });
  it('is strict at the threshold and never alerts on equality', () => {
    expect(isOutOfBounds(10, 12, cond('Above', 2))).toBe(false);
    expect(isOutOfBounds(10, 12.000001, cond('Above', 2))).toBe(true);
    expect(isOutOfBounds(10, 8, cond('Below', 2))).toBe(false);
    expect(isOutOfBounds(10, 7.9, cond('Below', 2))).toBe(true);
    expect(isOutOfBounds(10, 10, cond('Outside', null))).toBe(false);
    expect(isOutOfBounds(10, 10, cond('Outside', -1))).toBe(false);
    expect(isOutOfBounds(10, 10.1, cond('Outside', null))).toBe(true);
    expect(isOutOfBounds(10, 9.9, cond('Outside', null))).toBe(true);
    expect(isOutOfBounds(10, 7, cond('Outside', 2))).toBe(true);
    expect(isOutOfBounds(10, 13, cond('Outside', 2))).toBe(true);
    expect(isOutOfBounds(10, 11, cond('Outside', 2))).toBe(false);
    expect(isOutOfBounds(10, 13, cond('Below', 2))).toBe(false);
    expect(isOutOfBounds(10, 7, cond('Above', 2))).toBe(false);
  });
});

describe('alert maps (Scouter §5.4)', () => {
  it('formats values as Rust f64 Display and a null threshold as "None"', () => {
    expect(buildAlertMap('mae', 13, 15.5, cond('Above', 2))).toEqual({
      alert_threshold: 'Above',
      alert_threshold_value: '2',
      entity_name: 'mae',
      observed_metric_value: '15.5',
      training_metric_value: '13',
    });
    expect(buildAlertMap('acc', 0.85, 1e-7, cond('Below', null))).toEqual({
      alert_threshold: 'Below',
      alert_threshold_value: 'None',
      entity_name: 'acc',
      observed_metric_value: '0.0000001',
      training_metric_value: '0.85',
    });
    expect(Object.keys(buildAlertMap('m', 1, 2, cond('Above', null)))).toEqual([
      'alert_threshold',
      'alert_threshold_value',
      'entity_name',
      'observed_metric_value',
      'training_metric_value',
    ]);
  });
  it('evaluates only metrics with data', () => {
    const profile = customDriftProfileJson.parse(
      profileJson({
        metrics: { mae: 10, acc: 0.9 },
        conditions: { mae: cond('Above', 1), acc: cond('Below', null) },
      }),
    );
    expect(evaluateProfile(profile, {})).toEqual([]);
    expect(evaluateProfile(profile, { mae: 12 }).map((a) => a.metric)).toEqual(['mae']);
    expect(evaluateProfile(profile, { mae: 12, acc: 0.5 }).map((a) => a.metric)).toEqual(['acc', 'mae']);
  });
});
