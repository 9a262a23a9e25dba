/**
 * DeliveryScheduler on EventBridge Scheduler (limits.md 5, rule 11): one schedule per delivery, named
 * `delivery-<id>` in the deliveries' group, invoking the scheduled-start function with a ScheduleInput.
 * - one-time: `at(<contactDate>)` in the schedule's IANA zone, deleted by Scheduler after it fired;
 * - recurring: the recurrence's rate/cron expression in its zone.
 * No flexible window (60 s precision), a retry policy and a dead-letter queue. Standard SDK calls only
 * (CreateSchedule, UpdateSchedule, DeleteSchedule), so the local runtime's Scheduler server serves it too.
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Delivery } from '#domain/delivery.ts';
import type { DeliveryScheduler, ScheduleInput } from '#ports/index.ts';

export interface EventBridgeDeliverySchedulerOptions {
  client: SchedulerClient;
  /** Schedule group of the deliveries. */
  groupName: string;
  /** ARN of the scheduled-start function. */
  targetArn: string;
  /** Role Scheduler assumes to invoke it. */
  roleArn: string;
  /** SQS queue that receives invocations still failing after the retries. */
  deadLetterArn: string;
}

/** Scheduler limits: names `[0-9a-zA-Z-_.]{1,64}`, client tokens `[a-zA-Z0-9-_]{1,64}`. */
const NAME = /^[0-9a-zA-Z_.-]{1,64}$/;

export const scheduleName = (deliveryId: string): string => {
  const name = `delivery-${deliveryId}`;
  if (!NAME.test(name)) throw new RangeError(`delivery id ${deliveryId} cannot name a schedule`);
  return name;
};

/** Idempotency token of CreateSchedule: the same delivery version always creates the same schedule. */
export const scheduleClientToken = (deliveryId: string, version: number): string =>
  createHash('sha256').update(`${deliveryId}#${version}`).digest('hex');

export class EventBridgeDeliveryScheduler implements DeliveryScheduler {
  readonly #client: SchedulerClient;
  readonly #options: EventBridgeDeliverySchedulerOptions;

  constructor(options: EventBridgeDeliverySchedulerOptions) {
    this.#client = options.client;
    this.#options = options;
  }

  /** The CreateSchedule request arming a delivery (exported through the class for tests and the local server). */
  request(delivery: Delivery): CreateScheduleCommandInput {
    const { groupName, targetArn, roleArn, deadLetterArn } = this.#options;
    let when: Pick<CreateScheduleCommandInput, 'ScheduleExpression' | 'ScheduleExpressionTimezone'> &
      Partial<Pick<CreateScheduleCommandInput, 'ActionAfterCompletion'>>;
    let kind: ScheduleInput['kind'];
    if (delivery.recurrence) {
      kind = 'recurring';
      when = {
        ScheduleExpression: delivery.recurrence.expression,
        ScheduleExpressionTimezone: delivery.recurrence.timeZone,
      };
    } else if (delivery.schedule) {
      kind = 'once';
      when = {
        ScheduleExpression: `at(${delivery.schedule.contactDate})`,
        ScheduleExpressionTimezone: delivery.schedule.timeZone,
        // Otherwise a fired one-time schedule stays and counts against the account's quota.
        ActionAfterCompletion: 'DELETE',
      };
    } else {
      throw new Error(`delivery ${delivery.id} has neither a schedule nor a recurrence`);
    }
    const input: ScheduleInput = {
      deliveryId: delivery.id,
      kind,
      // Stable across Scheduler's retries of one firing (execution-id is not): the target's idempotency key.
      scheduledTime: '<aws.scheduler.scheduled-time>',
    };
    return {
      Name: scheduleName(delivery.id),
      GroupName: groupName,
      ...when,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: targetArn,
        RoleArn: roleArn,
        Input: JSON.stringify(input),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
        DeadLetterConfig: { Arn: deadLetterArn },
      },
      ClientToken: scheduleClientToken(delivery.id, delivery.version),
    };
  }

  /**
   * Creates the delivery's schedule. If one of that name exists (a retried arm, or a schedule an earlier
   * version left behind when its disarm failed), it is updated to this definition: the delivery is armed
   * exactly as its current version says, however often this runs.
   */
  async arm(delivery: Delivery): Promise<void> {
    const request = this.request(delivery);
    try {
      await this.#client.send(new CreateScheduleCommand(request));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.#client.send(new UpdateScheduleCommand(request));
    }
  }

  /** Deletes the delivery's schedule; one already gone (fired and deleted, or never armed) is fine. */
  async disarm(deliveryId: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteScheduleCommand({ Name: scheduleName(deliveryId), GroupName: this.#options.groupName }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      throw error;
    }
  }
}
