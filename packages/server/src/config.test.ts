import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET, configFromEnv, parseServerOptions } from './config.js';

describe('configFromEnv', () => {
  it('reads Scouter’s environment variables', () => {
    const options = configFromEnv(
      {
        SCOUTER_SERVER_PORT: '9000',
        DATABASE_URI: 'postgresql://u:p@db:5432/scouter',
        SCOUTER_DEFAULT_USERNAME: 'root',
        SCOUTER_DEFAULT_PASSWORD: 'pw',
        SCOUTER_ENCRYPT_SECRET: 'enc',
        SCOUTER_REFRESH_SECRET: 'ref',
        DATA_RETENTION_PERIOD: '7',
        LOG_LEVEL: 'DEBUG',
        SCOUTER_GUEST_ACCESS: 'read',
        SLACK_API_URL: 'https://slack.com/api',
        SLACK_APP_TOKEN: 'xoxb',
        OPSGENIE_API_URL: 'https://api.opsgenie.com/v2/alerts',
        OPSGENIE_API_KEY: 'key',
      },
      [],
    );
    expect(parseServerOptions(options)).toMatchObject({
      port: 9000,
      databaseUri: 'postgresql://u:p@db:5432/scouter',
      defaultUsername: 'root',
      defaultPassword: 'pw',
      encryptSecret: 'enc',
      refreshSecret: 'ref',
      dataRetentionDays: 7,
      logLevel: 'debug',
      guestAccess: 'read',
      slackApiUrl: 'https://slack.com/api',
      slackAppToken: 'xoxb',
      opsGenieApiUrl: 'https://api.opsgenie.com/v2/alerts',
      opsGenieApiKey: 'key',
    });
  });

  it('defaults like Scouter and lets flags override the environment', () => {
    const defaults = parseServerOptions(configFromEnv({}, []));
    expect(defaults).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      databaseUri: './scouter.db',
      defaultUsername: 'admin',
      defaultPassword: 'admin',
      encryptSecret: DEFAULT_SECRET,
      refreshSecret: DEFAULT_SECRET,
      guestAccess: 'write',
      dataRetentionDays: 30,
      logLevel: 'info',
    });
    const flagged = configFromEnv({ SCOUTER_SERVER_PORT: '9000', DATABASE_URI: 'a.db' }, [
      '--port',
      '7000',
      '--database-uri',
      'b.db',
      '--guest-access',
      'disabled',
    ]);
    expect(flagged).toMatchObject({ port: 7000, databaseUri: 'b.db', guestAccess: 'disabled' });
  });

  it('names the bad setting', () => {
    expect(() => configFromEnv({ SCOUTER_SERVER_PORT: 'eighty' }, [])).toThrow(/SCOUTER_SERVER_PORT/);
    expect(() => parseServerOptions(configFromEnv({ LOG_LEVEL: 'loud' }, []))).toThrow(/logLevel/);
    expect(() => configFromEnv({}, ['--nope'])).toThrow();
  });
});
