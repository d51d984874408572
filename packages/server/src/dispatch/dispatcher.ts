/**
 * Delivers stored alerts to Console, Slack or OpsGenie as the profile's `dispatch_config` says. Unlike Scouter, alerts
 * are stored first, every webhook call has a timeout, failures are retried with backoff, and alerts still undelivered
 * are retried by a periodic sweep for `dispatchRetryWindowMs` (24 h), so a webhook that fails for a while never loses
 * an alert, and one that never works (a revoked token) is not called for the same alert forever.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { CustomDriftProfileJson } from '@scouter-ts/core';
import type { ServerConfig } from '../config.js';
import type { AlertRow, Storage } from '../storage/types.js';
import { consoleText, opsGenieBody, slackBody } from './messages.js';
import type { AlertTarget } from './messages.js';

/** One resolved delivery: where, with which headers, what body. `null` url means Console. */
interface Delivery {
  channel: 'Console' | 'Slack' | 'OpsGenie';
  url: string | null;
  headers: Record<string, string>;
  body: unknown;
}

/** Sends stored alerts to their channel with timeout and retries (`deliver()`), and retries leftovers (`sweep()`). */
export class Dispatcher {
  private stopping = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly inFlightIds = new Set<number>();

  constructor(
    private readonly storage: Storage,
    private readonly config: ServerConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  private resolve(target: AlertTarget, row: AlertRow, profile: CustomDriftProfileJson): Delivery {
    const dispatch = profile.config.alert_config.dispatch_config;
    const { config } = this;
    if ('Slack' in dispatch) {
      if (config.slackApiUrl && config.slackAppToken) {
        return {
          channel: 'Slack',
          url: `${config.slackApiUrl.replace(/\/+$/, '')}/chat.postMessage`,
          headers: { authorization: `Bearer ${config.slackAppToken}`, 'content-type': 'application/json' },
          body: slackBody(target, row.alert, dispatch.Slack.channel),
        };
      }
      this.log.error('SLACK_API_URL or SLACK_APP_TOKEN is not set; falling back to Console dispatch');
    } else if ('OpsGenie' in dispatch) {
      if (config.opsGenieApiUrl && config.opsGenieApiKey) {
        return {
          channel: 'OpsGenie',
          url: config.opsGenieApiUrl,
          headers: { authorization: `GenieKey ${config.opsGenieApiKey}`, 'content-type': 'application/json' },
          body: opsGenieBody(target, row.alert, dispatch.OpsGenie.team, dispatch.OpsGenie.priority),
        };
      }
      this.log.error('OPSGENIE_API_URL or OPSGENIE_API_KEY is not set; falling back to Console dispatch');
    }
    return { channel: 'Console', url: null, headers: {}, body: consoleText(target, row.alert) };
  }

  private async send(delivery: Delivery): Promise<void> {
    if (delivery.url === null) {
      const write = this.config.consoleWrite ?? ((text: string) => void process.stdout.write(text));
      write(delivery.body as string);
      return;
    }
    // undici is loaded on the first webhook call: most servers never make one, and it costs start-up time.
    const { request } = await import('undici');
    const res = await request(delivery.url, {
      method: 'POST',
      headers: delivery.headers,
      body: JSON.stringify(delivery.body),
      signal: AbortSignal.timeout(this.config.dispatchTimeoutMs),
      headersTimeout: this.config.dispatchTimeoutMs,
      bodyTimeout: this.config.dispatchTimeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`${delivery.channel} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref());
  }

  /** Delivers one stored alert with retries and records the outcome. Never throws. */
  async deliver(row: AlertRow, profile: CustomDriftProfileJson): Promise<boolean> {
    const target: AlertTarget = {
      space: profile.config.space,
      name: profile.config.name,
      version: profile.config.version,
    };
    const delivery = this.resolve(target, row, profile);
    const task = (async () => {
      let delivered = false;
      for (let attempt = 1; attempt <= this.config.dispatchAttempts && !delivered; attempt++) {
        try {
          await this.send(delivery);
          delivered = true;
        } catch (err) {
          this.log.warn(
            { err, alertId: row.id, attempt, channel: delivery.channel },
            'alert dispatch failed',
          );
          if (attempt === this.config.dispatchAttempts || this.stopping) break;
          await this.sleep(this.config.dispatchRetryBaseMs * 2 ** (attempt - 1));
        }
      }
      try {
        await this.storage.markAlertDispatch(row.id, delivered);
      } catch (err) {
        this.log.error({ err, alertId: row.id, delivered }, 'failed to record the dispatch outcome');
      }
      return delivered;
    })();
    this.inFlight.add(task);
    this.inFlightIds.add(row.id);
    try {
      return await task;
    } finally {
      this.inFlight.delete(task);
      this.inFlightIds.delete(row.id);
    }
  }

  /** How long a fresh alert may still be in its first delivery (here or on another instance). */
  private firstDeliveryWindowMs(): number {
    const { dispatchAttempts, dispatchTimeoutMs, dispatchRetryBaseMs } = this.config;
    return dispatchAttempts * dispatchTimeoutMs + dispatchRetryBaseMs * 2 ** dispatchAttempts;
  }

  /**
   * Retries stored alerts that were not delivered yet and are younger than `dispatchRetryWindowMs` (oldest first),
   * skipping alerts still within their first delivery, so no alert is sent twice by a sweep racing the drift job.
   * A failure in the last sweep that falls inside an alert's retry window is logged as an error once. Returns how
   * many got through.
   */
  async sweep(limit = 100): Promise<number> {
    if (this.sweeping) {
      await this.sweeping;
      return 0;
    }
    let delivered = 0;
    const run = (async () => {
      const { dispatchRetryWindowMs, dispatchSweepIntervalMs } = this.config;
      const nowMs = this.config.now().getTime();
      const pending = await this.storage.undispatchedAlerts(limit, (nowMs - dispatchRetryWindowMs) * 1000);
      const profiles = new Map<string, CustomDriftProfileJson | null>();
      const freshAfterMicros = (nowMs - this.firstDeliveryWindowMs()) * 1000;
      // The next sweep starts at least one interval after this one: alerts created before this are not retried again.
      const lastChanceBeforeMicros = (nowMs - dispatchRetryWindowMs + dispatchSweepIntervalMs) * 1000;
      for (const row of pending) {
        if (this.stopping) break;
        if (this.inFlightIds.has(row.id) || row.createdAtMicros > freshAfterMicros) continue;
        const key = JSON.stringify([row.space, row.name, row.version, row.driftType]);
        if (!profiles.has(key)) {
          const found = await this.storage.getProfile(row, row.driftType);
          profiles.set(key, found?.profile ?? null);
        }
        const profile = profiles.get(key);
        if (!profile) continue;
        if (await this.deliver(row, profile)) delivered++;
        else if (row.createdAtMicros < lastChanceBeforeMicros && !this.stopping) {
          this.log.error(
            {
              alertId: row.id,
              space: row.space,
              name: row.name,
              version: row.version,
              dispatchRetryWindowMs,
            },
            'alert dispatch given up: still undelivered at the end of its retry window; it stays stored (GET /scouter/alerts)',
          );
        }
      }
    })();
    this.sweeping = run;
    try {
      await run;
    } catch (err) {
      this.log.error({ err }, 'alert dispatch sweep failed');
    } finally {
      this.sweeping = null;
    }
    return delivered;
  }

  /** Starts the periodic sweep (unref'd timer), with a first sweep right away for alerts left from before. */
  start(): void {
    this.stopping = false;
    const tick = (delayMs: number) => {
      this.sweepTimer = setTimeout(() => {
        void this.sweep().finally(() => {
          if (!this.stopping) tick(this.config.dispatchSweepIntervalMs);
        });
      }, delayMs);
      this.sweepTimer.unref();
    };
    tick(0);
  }

  /** Stops retrying and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    await Promise.allSettled([...this.inFlight, ...(this.sweeping ? [this.sweeping] : [])]);
  }
}
