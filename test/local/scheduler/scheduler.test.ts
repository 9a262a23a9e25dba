/**
 * The local EventBridge Scheduler, driven through the real `@aws-sdk/client-scheduler` over its loopback port,
 * with an injected clock and test targets: the API's answers and errors as the SDK types them, one-time schedules
 * firing once when due (context attributes replaced) and deleted after, recurring ones, the retry policy and the
 * dead-letter queue, and schedules kept across a restart (one that came due while stopped fires at the first tick).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type LocalScheduler, startLocalScheduler } from '#local/scheduler/scheduler.ts';
import { SCHEDULES_FILE } from '#local/scheduler/store.ts';

const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:scheduledStart';
const DLQ = 'arn:aws:sqs:us-east-1:000000000000:test-schedules-dlq';
const ROLE = 'arn:aws:iam::000000000000:role/local-scheduler';
const GROUP = 'local-deliveries';
const INPUT = JSON.stringify({
  deliveryId: 'd-1',
  kind: 'once',
  scheduledTime: '<aws.scheduler.scheduled-time>',
  scheduleArn: '<aws.scheduler.schedule-arn>',
  executionId: '<aws.scheduler.execution-id>',
  attempt: '<aws.scheduler.attempt-number>',
});

const dirs: string[] = [];
const running: LocalScheduler[] = [];
const clients: SchedulerClient[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop(1_000)));
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Delivery {
  arn: string;
  event: Record<string, string>;
}

/** A scheduler on a temporary data folder, a clock the test sets, and targets that record what they get. */
const start = async (options: { dataDir?: string; at: string }) => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cas-scheduler-'));
  if (!options.dataDir) dirs.push(dataDir);
  const clock = { now: Date.parse(options.at) };
  const delivered: Delivery[] = [];
  const deadLetters: Array<{ queueArn: string; body: string; attributes: Record<string, string> }> = [];
  const failing = { on: false };
  const scheduler = await startLocalScheduler({
    dataDir,
    groups: [GROUP],
    now: () => clock.now,
    targets: {
      has: (arn) => arn === TARGET,
      async deliver(arn, input) {
        delivered.push({ arn, event: JSON.parse(input) as Record<string, string> });
        if (failing.on) throw Object.assign(new Error('delivery not found'), { name: 'NotFoundError' });
      },
      async deadLetter(queueArn, body, attributes) {
        deadLetters.push({ queueArn, body, attributes });
        return true;
      },
    },
  });
  running.push(scheduler);
  const client = new SchedulerClient({
    region: 'us-east-1',
    endpoint: scheduler.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  clients.push(client);
  const set = (iso: string) => {
    clock.now = Date.parse(iso);
  };
  return { scheduler, client, dataDir, set, delivered, deadLetters, failing };
};

const oneTime = (
  name: string,
  extra: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput => ({
  Name: name,
  GroupName: GROUP,
  ScheduleExpression: 'at(2026-11-22T09:00:00)',
  ScheduleExpressionTimezone: 'America/New_York',
  FlexibleTimeWindow: { Mode: 'OFF' },
  ActionAfterCompletion: 'DELETE',
  Target: {
    Arn: TARGET,
    RoleArn: ROLE,
    Input: INPUT,
    RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
    DeadLetterConfig: { Arn: DLQ },
  },
  ...extra,
});

describe('the local Scheduler API, through the real SchedulerClient', () => {
  it('creates, reads, lists, updates and deletes schedules, with the errors Scheduler answers', async () => {
    const { client } = await start({ at: '2026-11-01T10:00:00Z' });
    const created = await client.send(new CreateScheduleCommand(oneTime('delivery-d-1')));
    expect(created.ScheduleArn).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/local-deliveries/delivery-d-1',
    );

    const got = await client.send(new GetScheduleCommand({ Name: 'delivery-d-1', GroupName: GROUP }));
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 'delivery-d-1',
      GroupName: GROUP,
      ScheduleExpression: 'at(2026-11-22T09:00:00)',
      ScheduleExpressionTimezone: 'America/New_York',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: oneTime('x').Target,
    });
    expect(got.CreationDate).toEqual(new Date('2026-11-01T10:00:00Z'));

    // A second create of the name is a conflict; the SDK retrying the same request (same client token) is not.
    await expect(client.send(new CreateScheduleCommand(oneTime('delivery-d-1')))).rejects.toBeInstanceOf(
      ConflictException,
    );
    const token = { ClientToken: 'arm-d-2-v1' };
    const first = await client.send(new CreateScheduleCommand(oneTime('delivery-d-2', token)));
    expect((await client.send(new CreateScheduleCommand(oneTime('delivery-d-2', token)))).ScheduleArn).toBe(
      first.ScheduleArn,
    );

    await client.send(
      new UpdateScheduleCommand({
        ...oneTime('delivery-d-2'),
        ScheduleExpression: 'rate(1 hour)',
        State: 'DISABLED',
      }),
    );
    expect(
      await client.send(new GetScheduleCommand({ Name: 'delivery-d-2', GroupName: GROUP })),
    ).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'DISABLED',
    });

    const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP, MaxResults: 1 }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['delivery-d-1']);
    const rest = await client.send(
      new ListSchedulesCommand({ GroupName: GROUP, NextToken: listed.NextToken }),
    );
    expect(rest.Schedules?.map((s) => [s.Name, s.State, s.Target?.Arn])).toEqual([
      ['delivery-d-2', 'DISABLED', TARGET],
    ]);
    expect(rest.NextToken).toBeUndefined();
    expect(
      (await client.send(new ListSchedulesCommand({ NamePrefix: 'delivery-d-2' }))).Schedules?.map(
        (s) => s.Name,
      ),
    ).toEqual(['delivery-d-2']);

    await client.send(new DeleteScheduleCommand({ Name: 'delivery-d-1', GroupName: GROUP }));
    await expect(
      client.send(new DeleteScheduleCommand({ Name: 'delivery-d-1', GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new GetScheduleCommand({ Name: 'delivery-d-1', GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new GetScheduleCommand({ Name: 'delivery-d-2', GroupName: 'no-such-group' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    // The default group exists; the schedule is not in it.
    await expect(client.send(new GetScheduleCommand({ Name: 'delivery-d-2' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('refuses invalid schedules with ValidationException, saying why', async () => {
    const { client } = await start({ at: '2026-11-01T10:00:00Z' });
    const refused = async (input: CreateScheduleCommandInput, message: RegExp) => {
      const error = await client.send(new CreateScheduleCommand(input)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toMatch(message);
    };
    await refused(oneTime('gap', { ScheduleExpression: 'at(2026-03-08T02:30:00)' }), /daylight-saving gap/);
    await refused(
      oneTime('bad-cron', { ScheduleExpression: 'cron(0 10 * * * *)' }),
      /Invalid Schedule Expression/,
    );
    await refused(oneTime('bad-zone', { ScheduleExpressionTimezone: 'Mars/Olympus' }), /time zone/);
    await refused(
      oneTime('elsewhere', {
        Target: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:x', RoleArn: ROLE },
      }),
      /cannot invoke target/,
    );
    await refused(
      oneTime('retries', { Target: { ...oneTime('x').Target!, RetryPolicy: { MaximumRetryAttempts: 186 } } }),
      /MaximumRetryAttempts/,
    );
    await refused(oneTime('bad name!'), /Invalid schedule name/);
    await refused(
      { ...oneTime('no-window'), FlexibleTimeWindow: undefined } as unknown as CreateScheduleCommandInput,
      /FlexibleTimeWindow/,
    );
  });
});

describe('firing schedules on the injected clock', () => {
  it('fires an at() schedule once when due, with the context attributes replaced, and deletes it', async () => {
    const { scheduler, client, set, delivered } = await start({ at: '2026-11-22T13:00:00Z' });
    const { ScheduleArn } = await client.send(new CreateScheduleCommand(oneTime('delivery-d-1')));
    await client.send(
      new CreateScheduleCommand(
        oneTime('kept', { ActionAfterCompletion: 'NONE', ScheduleExpression: 'at(2026-11-22T09:00:30)' }),
      ),
    );

    set('2026-11-22T13:59:59Z'); // 08:59:59 in New York
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 0, deadLettered: 0 });
    set('2026-11-22T14:00:00Z');
    expect(await scheduler.tick()).toEqual({ delivered: 1, failed: 0, deadLettered: 0 });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.arn).toBe(TARGET);
    expect(delivered[0]!.event).toEqual({
      deliveryId: 'd-1',
      kind: 'once',
      scheduledTime: '2026-11-22T14:00:00Z',
      scheduleArn: ScheduleArn,
      executionId: expect.stringMatching(/^[0-9a-f]{32}$/),
      attempt: '1',
    });
    await expect(
      client.send(new GetScheduleCommand({ Name: 'delivery-d-1', GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);

    // ActionAfterCompletion NONE keeps a fired one-time schedule; neither fires again.
    set('2026-11-22T14:05:00Z');
    expect(await scheduler.tick()).toEqual({ delivered: 1, failed: 0, deadLettered: 0 });
    set('2026-11-23T14:05:00Z');
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 0, deadLettered: 0 });
    expect(delivered.map((d) => d.event.scheduledTime)).toEqual([
      '2026-11-22T14:00:00Z',
      '2026-11-22T14:00:30Z',
    ]);
    expect((await client.send(new GetScheduleCommand({ Name: 'kept', GroupName: GROUP }))).State).toBe(
      'ENABLED',
    );
  });

  it('retries a failed delivery with back-off, then sends it to the dead-letter queue and deletes the schedule', async () => {
    const { scheduler, client, set, delivered, deadLetters, failing } = await start({
      at: '2026-11-22T13:00:00Z',
    });
    failing.on = true;
    const { ScheduleArn } = await client.send(new CreateScheduleCommand(oneTime('delivery-d-1')));

    set('2026-11-22T14:00:00Z');
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 1, deadLettered: 0 });
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 0, deadLettered: 0 }); // retry not due yet
    set('2026-11-22T14:00:01Z');
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 1, deadLettered: 0 });
    set('2026-11-22T14:00:02Z');
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 0, deadLettered: 0 });
    set('2026-11-22T14:00:03Z');
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 1, deadLettered: 1 });

    expect(delivered.map((d) => [d.event.attempt, d.event.scheduledTime])).toEqual([
      ['1', '2026-11-22T14:00:00Z'],
      ['2', '2026-11-22T14:00:00Z'],
      ['3', '2026-11-22T14:00:00Z'],
    ]);
    expect(new Set(delivered.map((d) => d.event.executionId)).size).toBe(3);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toEqual({
      queueArn: DLQ,
      body: JSON.stringify({ ...delivered[2]!.event }),
      attributes: {
        ERROR_CODE: 'NotFoundError',
        ERROR_MESSAGE: 'delivery not found',
        EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
        RETRY_ATTEMPTS: '2',
        SCHEDULE_ARN: ScheduleArn,
        TARGET_ARN: TARGET,
      },
    });
    await expect(
      client.send(new GetScheduleCommand({ Name: 'delivery-d-1', GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('fires a rate() schedule every period; occurrences missed while stopped fire once, for the latest', async () => {
    const { scheduler, client, set, delivered } = await start({ at: '2026-11-22T10:00:00Z' });
    await client.send(
      new CreateScheduleCommand(
        oneTime('hourly', { ScheduleExpression: 'rate(1 hour)', ScheduleExpressionTimezone: undefined }),
      ),
    );
    set('2026-11-22T10:59:59Z');
    await scheduler.tick();
    set('2026-11-22T11:00:00Z');
    await scheduler.tick();
    set('2026-11-22T13:30:00Z');
    await scheduler.tick();
    set('2026-11-22T14:00:00Z');
    await scheduler.tick();
    expect(delivered.map((d) => d.event.scheduledTime)).toEqual([
      '2026-11-22T11:00:00Z',
      '2026-11-22T13:00:00Z',
      '2026-11-22T14:00:00Z',
    ]);
    expect(scheduler.schedules()[0]!.next).toBe('2026-11-22T15:00:00.000Z');
  });

  it('after a long stop, delivers only the latest missed occurrence of a frequent schedule', async () => {
    const { scheduler, client, set, delivered } = await start({ at: '2026-11-01T00:00:00Z' });
    await client.send(
      new CreateScheduleCommand(
        oneTime('every-minute', {
          ScheduleExpression: 'cron(* * * * ? *)',
          ScheduleExpressionTimezone: 'Europe/Paris',
          Target: { ...oneTime('x').Target!, RetryPolicy: { MaximumEventAgeInSeconds: 86_400 } },
        }),
      ),
    );
    set('2026-11-30T12:34:56Z');
    expect(await scheduler.tick()).toEqual({ delivered: 1, failed: 0, deadLettered: 0 });
    expect(delivered.map((d) => d.event.scheduledTime)).toEqual(['2026-11-30T12:34:00Z']);
    expect(scheduler.schedules()[0]!.next).toBe('2026-11-30T12:35:00.000Z');
  });

  it('does not fire a disabled schedule', async () => {
    const { scheduler, client, set, delivered } = await start({ at: '2026-11-22T13:00:00Z' });
    await client.send(new CreateScheduleCommand(oneTime('off', { State: 'DISABLED' })));
    set('2026-11-23T00:00:00Z');
    await scheduler.tick();
    expect(delivered).toEqual([]);
  });

  it('dead-letters without delivering an event already older than MaximumEventAgeInSeconds', async () => {
    const { scheduler, client, set, delivered, deadLetters } = await start({ at: '2026-11-22T13:00:00Z' });
    await client.send(new CreateScheduleCommand(oneTime('late')));
    set('2026-11-22T15:00:01Z'); // due at 14:00, one hour of age allowed
    expect(await scheduler.tick()).toEqual({ delivered: 0, failed: 1, deadLettered: 1 });
    expect(delivered).toEqual([]);
    expect(deadLetters[0]!.attributes).toMatchObject({
      ERROR_CODE: 'EventAgeExceeded',
      EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds',
      RETRY_ATTEMPTS: '0',
    });
  });
});

describe('schedules across a restart', () => {
  it('are kept in schedules.json; one that came due while stopped fires at the first tick', async () => {
    const first = await start({ at: '2026-11-22T13:00:00Z' });
    await first.client.send(new CreateScheduleCommand(oneTime('delivery-d-1')));
    await first.client.send(
      new CreateScheduleCommand(oneTime('later', { ScheduleExpression: 'at(2027-01-01T00:00:00)' })),
    );
    await first.scheduler.stop();
    const saved = JSON.parse(readFileSync(join(first.dataDir, SCHEDULES_FILE), 'utf8')) as {
      schedules: Array<{ Name: string; next: string }>;
    };
    expect(saved.schedules.map((s) => [s.Name, s.next])).toEqual([
      ['delivery-d-1', '2026-11-22T14:00:00.000Z'],
      ['later', '2027-01-01T05:00:00.000Z'],
    ]);

    const second = await start({ dataDir: first.dataDir, at: '2026-11-22T14:20:00Z' });
    expect(second.scheduler.url).not.toBe(first.scheduler.url);
    expect(
      (await second.client.send(new GetScheduleCommand({ Name: 'later', GroupName: GROUP })))
        .ScheduleExpression,
    ).toBe('at(2027-01-01T00:00:00)');
    expect(await second.scheduler.tick()).toEqual({ delivered: 1, failed: 0, deadLettered: 0 });
    expect(second.delivered[0]!.event).toMatchObject({ scheduledTime: '2026-11-22T14:00:00Z', attempt: '1' });
    expect(second.scheduler.schedules().map((s) => s.Name)).toEqual(['later']);
  });

  it('carry a delivery being retried on with its next attempt', async () => {
    const first = await start({ at: '2026-11-22T13:00:00Z' });
    first.failing.on = true;
    await first.client.send(new CreateScheduleCommand(oneTime('delivery-d-1')));
    first.set('2026-11-22T14:00:00Z');
    expect(await first.scheduler.tick()).toMatchObject({ failed: 1 });
    await first.scheduler.stop();

    const second = await start({ dataDir: first.dataDir, at: '2026-11-22T14:00:05Z' });
    expect(await second.scheduler.tick()).toEqual({ delivered: 1, failed: 0, deadLettered: 0 });
    expect(second.delivered.map((d) => d.event.attempt)).toEqual(['2']);
  });
});
