import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueName, QueueSpec } from '#topology/topology.ts';

/** Prefix of every physical name the app fixes (queues, alarms, schedule group, configuration set). */
export const resourcePrefix = 'confirm-and-send';

/** Physical name of a topology queue; operators' redrive command resolves it, and `<name>-dlq` for its DLQ. */
export const queuePhysicalName = (name: QueueName): string => `${resourcePrefix}-${name}`;

/** Dead-letter queues keep their messages as long as SQS allows, longer than any source queue. */
export const deadLetterRetention = Duration.days(14);

/**
 * A standard queue that is encrypted (SSE-SQS) and TLS-only, i.e. what cdk-nag SQS2 and SQS4 ask for.
 * Every queue of the app is built with this helper.
 */
export function secureQueue(scope: Construct, id: string, props: sqs.QueueProps): sqs.Queue {
  return new sqs.Queue(scope, id, {
    ...props,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
}

export interface JobQueueProps {
  readonly name: QueueName;
  readonly spec: QueueSpec;
}

/**
 * One topology queue: a standard queue `confirm-and-send-<name>` with the topology's visibility timeout and
 * retention, and its dead-letter queue `confirm-and-send-<name>-dlq` (14 days), with redrive after the
 * topology's maxReceiveCount receives.
 */
export class JobQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    const { name, spec } = props;
    if (spec.maxReceiveCount < 5) {
      throw new Error(
        `queue ${name}: maxReceiveCount ${spec.maxReceiveCount} < 5 (transient failures need retries)`,
      );
    }
    if (Duration.days(spec.retentionDays).toSeconds() >= deadLetterRetention.toSeconds()) {
      throw new Error(`queue ${name}: retention must be shorter than its dead-letter queue's (14 days)`);
    }

    this.deadLetterQueue = secureQueue(this, 'DeadLetterQueue', {
      queueName: `${queuePhysicalName(name)}-dlq`,
      retentionPeriod: deadLetterRetention,
    });
    this.queue = secureQueue(this, 'Queue', {
      queueName: queuePhysicalName(name),
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(spec.retentionDays),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
    });
  }
}
