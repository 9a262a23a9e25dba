/**
 * The runtime's AWS resources on the emulators, from the topology: its tables (created when missing), its queues with their dead-letter
 * queues, and the dead-letter queue of the schedules' failed deliveries; with the SQS client the runtime shares and
 * the queue maps the handlers, the local routes and the scheduler read.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueName } from '#topology/topology.ts';
import { createTables, type TableNames } from '#local/dynamodb/tables.ts';
import type { EmulatorEndpoints } from '#local/emulators.ts';
import { REGION, SCHEDULES_DLQ, TABLE_PREFIX } from '#local/environment.ts';
import {
  createQueues,
  DLQ_RETENTION_SECONDS,
  ensureQueue,
  type QueueRef,
  type QueueResources,
} from '#local/sqs/queues.ts';

export interface RuntimeResources {
  /** The client the runtime's own SQS calls use (pollers, simulator, scheduler targets); `destroy()` at stop. */
  sqs: SQSClient;
  queues: QueueResources;
  schedulesDlq: QueueRef;
  /** Queue URLs by logical name, and their dead-letter queues' URLs. */
  queueUrls: Partial<Record<QueueName, string>>;
  deadLetterUrls: Partial<Record<QueueName, string>>;
  /** Every queue's URL by its ARN (dead-letter queues included). */
  queuesByArn: ReadonlyMap<string, string>;
}

export const createRuntimeResources = async (
  endpoints: EmulatorEndpoints,
  tables: TableNames,
  options: { visibilityTimeoutSeconds?: number | undefined },
  progress: { log: (line: string) => void; since: () => number },
): Promise<RuntimeResources> => {
  const { log, since } = progress;
  const ddb = new DynamoDBClient({ region: REGION, endpoint: endpoints.dynamodb });
  try {
    const { created } = await createTables(ddb, tables);
    if (created.length > 0) log(`Created tables ${created.join(', ')} (at ${since()} ms)`);
  } finally {
    ddb.destroy();
  }

  const sqs = new SQSClient({
    region: REGION,
    endpoint: endpoints.sqs,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { visibilityTimeoutSeconds } = options;
    const queues = await createQueues(sqs, {
      prefix: TABLE_PREFIX,
      endpoint: endpoints.sqs,
      ...(visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds } : {}),
    });
    const schedulesDlq = await ensureQueue(sqs, endpoints.sqs, SCHEDULES_DLQ, {
      MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
    });
    log(
      `Queues ${Object.values(queues)
        .map((q) => q.name)
        .join(', ')} with their dead-letter queues` +
        (visibilityTimeoutSeconds !== undefined
          ? `, visibility timeout ${visibilityTimeoutSeconds} s (LOCAL_VISIBILITY_TIMEOUT_SECONDS)`
          : '') +
        ` (at ${since()} ms)`,
    );
    return {
      sqs,
      queues,
      schedulesDlq,
      queueUrls: Object.fromEntries(Object.entries(queues).map(([name, q]) => [name, q.url])),
      deadLetterUrls: Object.fromEntries(Object.entries(queues).map(([name, q]) => [name, q.dlq.url])),
      queuesByArn: new Map<string, string>([
        ...Object.values(queues).flatMap((q): Array<[string, string]> => [
          [q.arn, q.url],
          [q.dlq.arn, q.dlq.url],
        ]),
        [schedulesDlq.arn, schedulesDlq.url],
      ]),
    };
  } catch (error) {
    sqs.destroy();
    throw error;
  }
};
