import { describe, expect, it } from 'vitest';
import {
  pacingFromEnv,
  queueUrlsFromEnv,
  settingsFromEnv,
  tableNamesFromEnv,
} from '#functions/lib/config.ts';

describe('configuration, read once and failing fast', () => {
  it('names every missing variable', () => {
    expect(() => tableNamesFromEnv(['deliveries', 'profiles'], { TABLE_DELIVERIES: 'd' })).toThrow(
      'Missing configuration: TABLE_PROFILES',
    );
    expect(() => queueUrlsFromEnv(['send', 'start'], { QUEUE_URL_SEND: '  ' })).toThrow(
      'Missing configuration: QUEUE_URL_SEND, QUEUE_URL_START',
    );
    expect(() => settingsFromEnv(['SES_CONFIGURATION_SET'], {})).toThrow(
      'Missing configuration: SES_CONFIGURATION_SET',
    );
  });

  it('reads the values, trimmed', () => {
    expect(tableNamesFromEnv(['deliveries'], { TABLE_DELIVERIES: ' d ' })).toEqual({ deliveries: 'd' });
  });

  it('validates the pacing settings', () => {
    expect(
      pacingFromEnv({ SEND_RATE_FRACTION: '0.8', SENDER_MAX_CONCURRENCY: '10', SEND_RATE_LIMIT: '' }),
    ).toEqual({
      fraction: 0.8,
      limit: undefined,
      concurrency: 10,
      leaseMs: undefined,
    });
    expect(
      pacingFromEnv({
        SEND_RATE_FRACTION: '1',
        SENDER_MAX_CONCURRENCY: '2',
        SEND_RATE_LIMIT: '50',
        SEND_CLAIM_LEASE_SECONDS: '5',
      }),
    ).toEqual({ fraction: 1, limit: 50, concurrency: 2, leaseMs: 5000 });
    expect(() => pacingFromEnv({ SEND_RATE_FRACTION: '1.5', SENDER_MAX_CONCURRENCY: '10' })).toThrow(
      /Invalid pacing configuration: SEND_RATE_FRACTION/,
    );
    expect(() => pacingFromEnv({ SEND_RATE_FRACTION: '0.5' })).toThrow(/SENDER_MAX_CONCURRENCY/);
  });
});
