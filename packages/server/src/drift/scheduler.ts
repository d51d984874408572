/**
 * Runs each active profile's drift check on its cron schedule (Scouter's seconds-first dialect via core's
 * `nextCronRun`), plus the hourly retention cleanup. Jobs are claimed atomically in storage, so several server
 * instances on one PostgreSQL never run the same job twice, and stale `processing` claims are taken over.
 */
import type { FastifyBaseLogger } from 'fastify';
import { nextCronRun } from '@scouter-ts/core';
import type { ServerConfig } from '../config.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ProfileRow, Storage } from '../storage/types.js';
import { NEVER, toMicros } from '../time.js';
import { evaluateProfile } from './evaluate.js';

const RETENTION_INTERVAL_MS = 3_600_000;
/** Upper bound of jobs one tick runs, so a tick always ends. */
const MAX_JOBS_PER_TICK = 1000;

/** What one drift job did. */
export interface JobResult {
  uid: string;
  alerts: number;
  dispatched: number;
  /** Set when the job threw; it is retried after `jobRetryDelayMs`. */
  failed?: true;
}

/** Polls for due drift jobs (`runDueJobs()`), runs them, and runs the retention cleanup. */
export class DriftScheduler {
  private timer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private retentionRun: Promise<unknown> | null = null;
  private stopped = true;

  constructor(
    private readonly storage: Storage,
    private readonly dispatcher: Dispatcher,
    private readonly config: ServerConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Runs one claimed job: means since the previous run, alerts stored, run dates moved, alerts dispatched. */
  async runJob(row: ProfileRow): Promise<JobResult> {
    const now = this.config.now();
    const profile = row.profile;
    const key = { space: profile.config.space, name: profile.config.name, version: profile.config.version };
    const metrics = Object.keys(profile.metrics);
    const observed =
      metrics.length === 0
        ? {}
        : await this.storage.customMetricMeans(key, metrics, toMicros(row.previousRun), toMicros(now));
    const found = evaluateProfile(profile, observed);
    const baseMicros = toMicros(now);
    const stored =
      found.length === 0 || (await this.alertedThisTick(row))
        ? []
        : await this.storage.insertAlerts(
            found.map((a, i) => ({
              space: row.space,
              name: row.name,
              version: row.version,
              entityName: a.metric,
              alert: a.alert,
              driftType: row.driftType,
              createdAtMicros: baseMicros + i,
            })),
          );
    await this.storage.completeJob(row.uid, row.nextRun, nextCronRun(row.schedule, now) ?? NEVER);
    let dispatched = 0;
    for (const alert of stored) if (await this.dispatcher.deliver(alert, profile)) dispatched++;
    if (stored.length > 0) {
      this.log.info(
        { profile: `${row.space}/${row.name}/${row.version}`, alerts: stored.length },
        'drift detected',
      );
    }
    return { uid: row.uid, alerts: stored.length, dispatched };
  }

  /**
   * Whether this tick's alerts are already stored: a claim taken over from an instance that died mid-job (after its
   * alert insert, before moving the run dates) must not store them twice. Alerts of a tick are created at or after
   * its due time (`nextRun`), and before the next tick's; the sweep dispatches them if the dead instance did not.
   */
  private async alertedThisTick(row: ProfileRow): Promise<boolean> {
    const since = toMicros(row.nextRun);
    const key = { space: row.space, name: row.name, version: row.version };
    return (await this.storage.getAlerts({ ...key, limitDatetimeMicros: since, limit: 1 })).length > 0;
  }

  private async claimAndRun(): Promise<JobResult | null> {
    const now = this.config.now();
    const row = await this.storage.claimDueJob(now, new Date(now.getTime() - this.config.staleJobAfterMs));
    if (!row) return null;
    try {
      return await this.runJob(row);
    } catch (err) {
      const retryAt = new Date(this.config.now().getTime() + this.config.jobRetryDelayMs);
      this.log.error({ err, uid: row.uid, retryAt }, 'drift job failed; it will be retried');
      try {
        // previous_run stays, so the retry still covers the data since the last successful run; moving next_run
        // keeps a job that keeps failing from starving the others.
        await this.storage.completeJob(row.uid, row.previousRun, retryAt);
      } catch {
        try {
          await this.storage.releaseJob(row.uid);
        } catch (releaseErr) {
          this.log.error(
            { err: releaseErr, uid: row.uid },
            'failed to release a drift job; the stale-claim reset will',
          );
        }
      }
      return { uid: row.uid, alerts: 0, dispatched: 0, failed: true };
    }
  }

  /** Runs every job due now (each at most once per call) and returns what they did. */
  async runDueJobs(): Promise<JobResult[]> {
    while (this.running) await this.running.catch(() => undefined);
    const work = (async () => {
      const results: JobResult[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < MAX_JOBS_PER_TICK; i++) {
        const result = await this.claimAndRun();
        if (!result || seen.has(result.uid)) break;
        seen.add(result.uid);
        results.push(result);
      }
      return results;
    })();
    this.running = work;
    try {
      return await work;
    } finally {
      if (this.running === work) this.running = null;
    }
  }

  /** Deletes custom records older than the retention period. */
  async runRetention(): Promise<number> {
    const cutoff = toMicros(this.config.now()) - this.config.dataRetentionDays * 86_400_000_000;
    const deleted = await this.storage.deleteRecordsBefore(cutoff);
    if (deleted > 0) this.log.info({ deleted }, 'deleted custom records past the retention period');
    return deleted;
  }

  /** Starts polling (unref'd timers). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const poll = () => {
      this.timer = setTimeout(() => {
        this.runDueJobs()
          .catch((err: unknown) => this.log.error({ err }, 'drift poll failed'))
          .finally(() => {
            if (!this.stopped) poll();
          });
      }, this.config.pollIntervalMs);
      this.timer.unref();
    };
    poll();
    const retention = () => {
      if (this.retentionRun) return;
      this.retentionRun = this.runRetention()
        .catch((err: unknown) => this.log.error({ err }, 'retention cleanup failed'))
        .finally(() => {
          this.retentionRun = null;
        });
    };
    retention();
    this.retentionTimer = setInterval(retention, RETENTION_INTERVAL_MS);
    this.retentionTimer.unref();
  }

  /** Stops polling and waits for a job that is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.timer = null;
    this.retentionTimer = null;
    while (this.running) await this.running.catch(() => undefined);
    if (this.retentionRun) await this.retentionRun;
  }
}
