/** The exact texts and bodies Scouter v0.13 sends for a custom-metric alert (§5.5). */
import type { AlertMap } from '../storage/types.js';

/** Where an alert goes to: the profile's identity, as in its config. */
export interface AlertTarget {
  space: string;
  name: string;
  version: string;
}

function header(alert: AlertMap): string {
  const m = alert.entity_name ?? '';
  const raw = alert.alert_threshold_value;
  const b = raw === undefined || raw === 'None' ? null : raw;
  switch (alert.alert_threshold) {
    case 'Below':
      return b === null
        ? `The ${m} metric value has dropped below the initial value`
        : `The observed ${m} metric value has dropped below the threshold (initial value - ${b})`;
    case 'Above':
      return b === null
        ? `The ${m} metric value has increased beyond the initial value`
        : `The ${m} metric value has increased beyond the threshold (initial value + ${b})`;
    default:
      return b === null
        ? `The metric value has fallen outside the initial value for ${m}`
        : `The ${m} metric value has fallen outside the threshold (initial value ± ${b})`;
  }
}

/** The three-line description every channel uses. */
export function alertDescription(alert: AlertMap): string {
  return (
    `${header(alert)}\n` +
    `Initial Metric Value: ${alert.training_metric_value ?? ''}\n` +
    `Current Metric Value: ${alert.observed_metric_value ?? ''}\n`
  );
}

/** What Console prints (followed by `println!`'s newline). */
export function consoleText(target: AlertTarget, alert: AlertMap): string {
  return `\nDrift detected for ${target.space}/${target.name}/${target.version}! \n${alertDescription(alert)}\n`;
}

/** Body of Slack's `chat.postMessage`. */
export function slackBody(target: AlertTarget, alert: AlertMap, channel: string): unknown {
  return {
    channel,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: ':rotating_light: Drift Detected :rotating_light:', emoji: true },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Name*: ${target.name} *Space*: ${target.space} *Version*: ${target.version}`,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: alertDescription(alert) } },
    ],
  };
}

/** Body of OpsGenie's create-alert call. */
export function opsGenieBody(target: AlertTarget, alert: AlertMap, team: string, priority: string): unknown {
  return {
    message: `Model drift detected for ${target.space}/${target.name}/${target.version}`,
    description: alertDescription(alert),
    responders: [{ name: team, type: 'team' }],
    visibleTo: [{ name: team, type: 'team' }],
    tags: ['Model Drift', 'Scouter'],
    priority,
  };
}
