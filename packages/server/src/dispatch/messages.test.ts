import { describe, expect, it } from 'vitest';
import { alertDescription, consoleText, opsGenieBody, slackBody } from './messages.js';

const target = { space: 'scouter', name: 'model', version: '0.1.0' };
const above = {
  alert_threshold: 'Above',
  alert_threshold_value: '2',
  entity_name: 'mae',
  observed_metric_value: '15.5',
  training_metric_value: '13',
};

describe('dispatch messages (Scouter §5.5)', () => {
  it('builds the three-line description for each threshold kind', () => {
    expect(alertDescription(above)).toBe(
      'The mae metric value has increased beyond the threshold (initial value + 2)\nInitial Metric Value: 13\nCurrent Metric Value: 15.5\n',
    );
    const rows: Array<[string, string, string]> = [
      ['Below', '2', 'The observed mae metric value has dropped below the threshold (initial value - 2)'],
      ['Below', 'None', 'The mae metric value has dropped below the initial value'],
      ['Above', 'None', 'The mae metric value has increased beyond the initial value'],
      ['Outside', '0.5', 'The mae metric value has fallen outside the threshold (initial value ± 0.5)'],
      ['Outside', 'None', 'The metric value has fallen outside the initial value for mae'],
    ];
    for (const [kind, b, header] of rows) {
      const text = alertDescription({ ...above, alert_threshold: kind, alert_threshold_value: b });
      expect(text.split('\n')[0]).toBe(header);
    }
  });
  it('builds the Slack and OpsGenie bodies and the Console text', () => {
    expect(slackBody(target, above, 'ml-alerts')).toEqual({
      channel: 'ml-alerts',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: ':rotating_light: Drift Detected :rotating_light:', emoji: true },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Name*: model *Space*: scouter *Version*: 0.1.0' },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'The mae metric value has increased beyond the threshold (initial value + 2)\nInitial Metric Value: 13\nCurrent Metric Value: 15.5\n',
          },
        },
      ],
    });
    expect(opsGenieBody(target, above, 'ml-team', 'P5')).toEqual({
      message: 'Model drift detected for scouter/model/0.1.0',
      description:
        'The mae metric value has increased beyond the threshold (initial value + 2)\nInitial Metric Value: 13\nCurrent Metric Value: 15.5\n',
      responders: [{ name: 'ml-team', type: 'team' }],
      visibleTo: [{ name: 'ml-team', type: 'team' }],
      tags: ['Model Drift', 'Scouter'],
      priority: 'P5',
    });
    expect(consoleText(target, above)).toBe(
      '\nDrift detected for scouter/model/0.1.0! \nThe mae metric value has increased beyond the threshold (initial value + 2)\nInitial Metric Value: 13\nCurrent Metric Value: 15.5\n\n',
    );
  });
});
