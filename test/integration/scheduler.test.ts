/**
 * EventBridgeDeliveryScheduler: no Scheduler emulator exists, so the real SchedulerClient is stubbed with
 * aws-sdk-client-mock and the exact requests are asserted (DESIGN: "then assert the exact request").
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeDeliveryScheduler, scheduleClientToken } from '#adapters/scheduler/delivery-scheduler.ts';
import type { Delivery } from '#domain/delivery.ts';

const client = new SchedulerClient({ region: 'us-east-1' });
const mock = mockClient(client);

const OPTIONS = {
  client,
  groupName: 'cas-deliveries',
  targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:cas-scheduled-start',
  roleArn: 'arn:aws:iam::123456789012:role/cas-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:cas-schedules-dlq',
};
const scheduler = () => new EventBridgeDeliveryScheduler(OPTIONS);

const ID = '0b9a1f9e-6a43-4c1e-9d2e-7f0d3c1b2a44';

const delivery = (extra: Partial<Delivery>): Delivery =>
  ({
    id: ID,
    label: 'Black Friday',
    content: { from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
    audienceId: 'a-1',
    state: 'scheduled',
    version: 3,
    createdAt: '2026-11-01T10:00:00.000Z',
    createdBy: { sub: 'u-1', username: 'ann' },
    updatedAt: '2026-11-01T10:00:00.000Z',
    history: [],
    ...extra,
  }) as Delivery;

const TARGET = (kind: 'once' | 'recurring') => ({
  Arn: OPTIONS.targetArn,
  RoleArn: OPTIONS.roleArn,
  Input: `{"deliveryId":"${ID}","kind":"${kind}","scheduledTime":"<aws.scheduler.scheduled-time>"}`,
  RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
  DeadLetterConfig: { Arn: OPTIONS.deadLetterArn },
});

const ONE_TIME = {
  Name: `delivery-${ID}`,
  GroupName: 'cas-deliveries',
  ScheduleExpression: 'at(2026-11-27T08:30:00)',
  ScheduleExpressionTimezone: 'Europe/Paris',
  ActionAfterCompletion: 'DELETE',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: TARGET('once'),
  ClientToken: scheduleClientToken(ID, 3),
};

describe('EventBridgeDeliveryScheduler (SDK client stubbed)', () => {
  beforeEach(() => {
    mock.reset();
  });

  it('arms a one-time send: at(contact date) in its zone, deleted after it fires, retried, with a DLQ', async () => {
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    await scheduler().arm(
      delivery({ schedule: { contactDate: '2026-11-27T08:30:00', timeZone: 'Europe/Paris' } }),
    );

    const calls = mock.calls();
    expect(calls).toHaveLength(1);
    expect(mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toStrictEqual(ONE_TIME);
    expect(JSON.parse(ONE_TIME.Target.Input)).toEqual({
      deliveryId: ID,
      kind: 'once',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
  });

  it('arms a recurring delivery with its expression and zone, kept after each firing', async () => {
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    await scheduler().arm(
      delivery({
        version: 7,
        recurrence: {
          expression: 'cron(0 9 ? * MON *)',
          timeZone: 'America/New_York',
          requestConfirmation: true,
        },
      }),
    );
    expect(mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toStrictEqual({
      Name: `delivery-${ID}`,
      GroupName: 'cas-deliveries',
      ScheduleExpression: 'cron(0 9 ? * MON *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: TARGET('recurring'),
      ClientToken: scheduleClientToken(ID, 7),
    });
  });

  it('derives the client token from id and version: stable for a retry, new for an edited delivery', () => {
    expect(scheduleClientToken(ID, 3)).toBe(scheduleClientToken(ID, 3));
    expect(scheduleClientToken(ID, 4)).not.toBe(scheduleClientToken(ID, 3));
    expect(scheduleClientToken(`${ID}x`, 3)).not.toBe(scheduleClientToken(ID, 3));
    expect(scheduleClientToken(ID, 3)).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it('treats an existing schedule as armed, bringing it to this version’s definition', async () => {
    mock.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule already exists.',
        Message: 'Schedule already exists.',
        $metadata: {},
      }),
    );
    mock.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    await scheduler().arm(
      delivery({ schedule: { contactDate: '2026-11-27T08:30:00', timeZone: 'Europe/Paris' } }),
    );
    expect(mock.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toStrictEqual(ONE_TIME);
    expect(mock.calls()).toHaveLength(2);
  });

  it('lets other errors through, and refuses a delivery with nothing to schedule', async () => {
    mock
      .on(CreateScheduleCommand)
      .rejects(
        new ValidationException({ message: 'Invalid timezone', Message: 'Invalid timezone', $metadata: {} }),
      );
    await expect(
      scheduler().arm(
        delivery({ schedule: { contactDate: '2026-11-27T08:30:00', timeZone: 'Mars/Olympus' } }),
      ),
    ).rejects.toThrow('Invalid timezone');
    expect(mock.commandCalls(UpdateScheduleCommand)).toHaveLength(0);

    mock.reset();
    await expect(scheduler().arm(delivery({}))).rejects.toThrow(/neither a schedule nor a recurrence/);
    expect(mock.calls()).toHaveLength(0);
    await expect(
      scheduler().arm(
        delivery({ id: 'x'.repeat(60), schedule: { contactDate: '2026-11-27T08:30:00', timeZone: 'UTC' } }),
      ),
    ).rejects.toThrow(RangeError);
  });

  it('disarms by deleting the schedule; one already gone is fine, other errors are not', async () => {
    mock.on(DeleteScheduleCommand).resolves({});
    await scheduler().disarm(ID);
    expect(mock.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toStrictEqual({
      Name: `delivery-${ID}`,
      GroupName: 'cas-deliveries',
    });

    mock.on(DeleteScheduleCommand).rejects(
      new ResourceNotFoundException({
        message: 'Schedule not found.',
        Message: 'Schedule not found.',
        $metadata: {},
      }),
    );
    await expect(scheduler().disarm(ID)).resolves.toBeUndefined();

    mock.on(DeleteScheduleCommand).rejects(
      new ConflictException({
        message: 'Concurrent modification.',
        Message: 'Concurrent modification.',
        $metadata: {},
      }),
    );
    await expect(scheduler().disarm(ID)).rejects.toThrow('Concurrent modification.');
  });
});
