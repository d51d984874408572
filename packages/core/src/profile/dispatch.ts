import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { parseOptions } from '../options.js';
import { alertDispatchConfigJson, type AlertDispatchConfigJson } from '../wire/schemas.js';

/** Where alerts go: `'Console' | 'Slack' | 'OpsGenie'` (Scouter's `AlertDispatchType`). */
export const AlertDispatchType = {
  Console: 'Console',
  Slack: 'Slack',
  OpsGenie: 'OpsGenie',
} as const;
/** One of the `AlertDispatchType` values. */
export type AlertDispatchType = (typeof AlertDispatchType)[keyof typeof AlertDispatchType];

/** OpsGenie alert priorities. */
export const OpsGeniePriority = { P1: 'P1', P2: 'P2', P3: 'P3', P4: 'P4', P5: 'P5' } as const;
/** `'P1' | … | 'P5'`. */
export type OpsGeniePriority = (typeof OpsGeniePriority)[keyof typeof OpsGeniePriority];

/** Options of `ConsoleDispatchConfig`. */
export const consoleDispatchConfigOptionsSchema = z.strictObject({
  /** Written to the wire as `enabled`; the server never reads it. Default true. */
  enabled: z.boolean({ error: () => 'must be a boolean' }).default(true),
});
/** Input of `new ConsoleDispatchConfig(...)`. */
export type ConsoleDispatchConfigOptions = z.input<typeof consoleDispatchConfigOptionsSchema>;

/** Alerts are logged by the server (the default). Wire: `{"Console": {"enabled": true}}`. */
export class ConsoleDispatchConfig {
  /** Always `'Console'`. */
  readonly kind = AlertDispatchType.Console;
  /** Default true. */
  readonly enabled: boolean;

  constructor(options: ConsoleDispatchConfigOptions = {}) {
    this.enabled = parseOptions(consoleDispatchConfigOptionsSchema, options, 'ConsoleDispatchConfig').enabled;
  }

  /** Wire JSON. */
  toJSON(): { Console: { enabled: boolean } } {
    return { Console: { enabled: this.enabled } };
  }
}

/** Options of `SlackDispatchConfig`. */
export const slackDispatchConfigOptionsSchema = z.strictObject({
  /** Slack channel the server posts alerts to, e.g. `"ml-alerts"`. Required. */
  channel: z
    .string({ error: () => 'must be a Slack channel name, e.g. "ml-alerts"' })
    .refine((s) => s.trim() !== '', {
      error: () => 'must be a non-empty Slack channel name, e.g. "ml-alerts"',
    }),
});
/** Input of `new SlackDispatchConfig(...)`. */
export type SlackDispatchConfigOptions = z.input<typeof slackDispatchConfigOptionsSchema>;

/** Alerts are posted to a Slack channel. Wire: `{"Slack": {"channel": "..."}}`. */
export class SlackDispatchConfig {
  /** Always `'Slack'`. */
  readonly kind = AlertDispatchType.Slack;
  /** Slack channel. */
  readonly channel: string;

  constructor(options: SlackDispatchConfigOptions) {
    this.channel = parseOptions(slackDispatchConfigOptionsSchema, options, 'SlackDispatchConfig').channel;
  }

  /** Wire JSON. */
  toJSON(): { Slack: { channel: string } } {
    return { Slack: { channel: this.channel } };
  }
}

/** Options of `OpsGenieDispatchConfig`. */
export const opsGenieDispatchConfigOptionsSchema = z.strictObject({
  /** OpsGenie team, e.g. `"ml-team"`. Required. */
  team: z
    .string({ error: () => 'must be an OpsGenie team name, e.g. "ml-team"' })
    .refine((s) => s.trim() !== '', {
      error: () => 'must be a non-empty OpsGenie team name, e.g. "ml-team"',
    }),
  /** Alert priority `'P1'`…`'P5'`. Default `'P5'`. */
  priority: z
    .enum(['P1', 'P2', 'P3', 'P4', 'P5'], { error: () => 'must be one of "P1", "P2", "P3", "P4", "P5"' })
    .default('P5'),
});
/** Input of `new OpsGenieDispatchConfig(...)`. */
export type OpsGenieDispatchConfigOptions = z.input<typeof opsGenieDispatchConfigOptionsSchema>;

/** Alerts open an OpsGenie alert for a team. Wire: `{"OpsGenie": {"team": "...", "priority": "P5"}}`. */
export class OpsGenieDispatchConfig {
  /** Always `'OpsGenie'`. */
  readonly kind = AlertDispatchType.OpsGenie;
  /** OpsGenie team. */
  readonly team: string;
  /** Priority; `'P1'`…`'P5'` when built here, any string when read from a Scouter profile. Default `'P5'`. */
  readonly priority: OpsGeniePriority | (string & {});

  constructor(options: OpsGenieDispatchConfigOptions) {
    const parsed = parseOptions(opsGenieDispatchConfigOptionsSchema, options, 'OpsGenieDispatchConfig');
    this.team = parsed.team;
    this.priority = parsed.priority;
  }

  /** Wire JSON. */
  toJSON(): { OpsGenie: { team: string; priority: string } } {
    return { OpsGenie: { team: this.team, priority: this.priority } };
  }
}

/** Any alert dispatch configuration. */
export type DispatchConfig = ConsoleDispatchConfig | SlackDispatchConfig | OpsGenieDispatchConfig;

/** True for an instance of one of the three dispatch config classes. */
export function isDispatchConfig(value: unknown): value is DispatchConfig {
  return (
    value instanceof ConsoleDispatchConfig ||
    value instanceof SlackDispatchConfig ||
    value instanceof OpsGenieDispatchConfig
  );
}

/** Builds a dispatch config from validated wire JSON, keeping serde-valid values as they are. */
export function dispatchConfigFromJson(json: AlertDispatchConfigJson): DispatchConfig {
  if ('Console' in json) {
    return Object.assign(Object.create(ConsoleDispatchConfig.prototype) as ConsoleDispatchConfig, {
      kind: AlertDispatchType.Console,
      enabled: json.Console.enabled,
    });
  }
  if ('Slack' in json) {
    return Object.assign(Object.create(SlackDispatchConfig.prototype) as SlackDispatchConfig, {
      kind: AlertDispatchType.Slack,
      channel: json.Slack.channel,
    });
  }
  return Object.assign(Object.create(OpsGenieDispatchConfig.prototype) as OpsGenieDispatchConfig, {
    kind: AlertDispatchType.OpsGenie,
    team: json.OpsGenie.team,
    priority: json.OpsGenie.priority,
  });
}

/**
 * Accepts a dispatch config instance or its wire JSON (`{"Slack": {"channel": "x"}}`); anything else throws
 * `InvalidOptionsError` naming `what`.
 */
export function toDispatchConfig(value: unknown, what: string): DispatchConfig {
  if (isDispatchConfig(value)) return value;
  const parsed = alertDispatchConfigJson.safeParse(value);
  if (parsed.success) return dispatchConfigFromJson(parsed.data);
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new InvalidOptionsError(
    `Invalid ${what}: expected new ConsoleDispatchConfig(), new SlackDispatchConfig({ channel }) or ` +
      `new OpsGenieDispatchConfig({ team, priority }) (or their JSON, e.g. {"Slack": {"channel": "ml-alerts"}}), got ${shown}`,
  );
}
