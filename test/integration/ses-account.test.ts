/**
 * SesSendingAccount through the real SESv2 client against aws-ses-v2-local, whose GetAccount answers the account
 * in AWS_SES_ACCOUNT (read on every call): the quota is read, reused for 60 s of the injected clock, then re-read.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SesSendingAccount } from '#adapters/ses/account.ts';
import { sesAccount } from '#local/ses/emulator.ts';
import type { Clock } from '#ports/index.ts';

// A CommonJS module with `exports.default` (see local/ses/emulator.ts).
const { default: startSesServer } = createRequire(import.meta.url)('aws-ses-v2-local') as {
  default: (config?: { host?: string; port?: number }) => Promise<Server>;
};

/** The GetAccount answer the SES emulator gives (local/ses/emulator.ts builds it). */
const account = (max24HourSend: number, maxSendRate: number, sentLast24Hours: number) =>
  JSON.stringify(sesAccount({ max24HourSend, maxSendRate, sentLast24Hours }));

class StepClock implements Clock {
  ms = Date.parse('2026-11-22T10:00:00Z');
  now(): Date {
    return new Date(this.ms);
  }
}

/** An SES client counting its GetAccount calls. */
const countingClient = (endpoint: string) => {
  const client = new SESv2Client({
    region: inject('region'),
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const calls = { getAccount: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetAccountCommand') calls.getAccount += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, calls };
};

describe('SesSendingAccount (aws-ses-v2-local)', () => {
  let server: Server;
  let endpoint: string;
  const saved = process.env.AWS_SES_ACCOUNT;

  beforeAll(async () => {
    // An emulator of this test's own, in this process, so the test can change the account it answers.
    server = await startSesServer({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.AWS_SES_ACCOUNT;
    else process.env.AWS_SES_ACCOUNT = saved;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('reads the SendQuota, reuses it for 60 s, then reads it again', async () => {
    process.env.AWS_SES_ACCOUNT = account(50_000, 14, 1_200);
    const clock = new StepClock();
    const { client, calls } = countingClient(endpoint);
    const quotas = new SesSendingAccount({ client, clock });

    expect(await quotas.quota()).toEqual({ max24HourSend: 50_000, maxSendRate: 14, sentLast24Hours: 1_200 });
    expect(calls.getAccount).toBe(1);

    process.env.AWS_SES_ACCOUNT = account(50_000, 14, 4_800);
    clock.ms += 59_999;
    expect((await quotas.quota()).sentLast24Hours).toBe(1_200);
    expect(calls.getAccount).toBe(1);

    clock.ms += 1;
    expect(await quotas.quota()).toEqual({ max24HourSend: 50_000, maxSendRate: 14, sentLast24Hours: 4_800 });
    expect(calls.getAccount).toBe(2);
  });

  it('shares one GetAccount between concurrent callers, and does not cache a failure', async () => {
    process.env.AWS_SES_ACCOUNT = account(200, 1, 0);
    const { client, calls } = countingClient(endpoint);
    const quotas = new SesSendingAccount({ client, clock: new StepClock() });
    const all = await Promise.all([quotas.quota(), quotas.quota(), quotas.quota()]);
    expect(all).toEqual(Array(3).fill({ max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0 }));
    expect(calls.getAccount).toBe(1);

    // The emulator refuses GetAccount without an account (400): the error surfaces, and the next call retries.
    delete process.env.AWS_SES_ACCOUNT;
    const failing = new SesSendingAccount({ client, clock: new StepClock() });
    await expect(failing.quota()).rejects.toThrow();
    process.env.AWS_SES_ACCOUNT = account(300, 2, 10);
    expect(await failing.quota()).toEqual({ max24HourSend: 300, maxSendRate: 2, sentLast24Hours: 10 });
    expect(calls.getAccount).toBe(3);
  });

  it('reads the quota the shared emulator is configured with', async () => {
    const { client } = countingClient(inject('endpoints').ses);
    const quota = await new SesSendingAccount({ client }).quota();
    // local/ses/emulator.ts's default account.
    expect(quota).toEqual({ max24HourSend: 1_000_000, maxSendRate: 500, sentLast24Hours: 0 });
  });
});
