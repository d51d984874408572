/** Scouter's preset schedules: exactly the cron strings of Scouter v0.13 (seconds first, UTC). */
export const CommonCrons = {
  /** `0 * * * * * *`: every minute. */
  Every1Minute: '0 * * * * * *',
  /** `0 0,5,…,55 * * * * *`: every 5 minutes. */
  Every5Minutes: '0 0,5,10,15,20,25,30,35,40,45,50,55 * * * * *',
  /** `0 0,15,30,45 * * * * *`: every 15 minutes. */
  Every15Minutes: '0 0,15,30,45 * * * * *',
  /** `0 0,30 * * * * *`: every 30 minutes. */
  Every30Minutes: '0 0,30 * * * * *',
  /** `0 0 * * * *`: every hour on the hour. */
  EveryHour: '0 0 * * * *',
  /** `0 0 *\/6 * * *`: every 6 hours. */
  Every6Hours: '0 0 */6 * * *',
  /** `0 0 *\/12 * * *`: every 12 hours. */
  Every12Hours: '0 0 */12 * * *',
  /** `0 0 0 * * *`: every day at midnight UTC (the default schedule). */
  EveryDay: '0 0 0 * * *',
  /** `0 0 0 * * SUN`: every Sunday at midnight UTC. */
  EveryWeek: '0 0 0 * * SUN',
} as const;
/** One of the `CommonCrons` strings. */
export type CommonCrons = (typeof CommonCrons)[keyof typeof CommonCrons];
