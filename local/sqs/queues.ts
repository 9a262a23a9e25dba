/**
 * The local runtime's SQS queues, built from the topology (topology/topology.ts) like the CDK stateful stack, so
 * local queues cannot drift from deployed ones. Idempotent: queues that exist get the topology's attributes again
 * (a changed visibility timeout or redrive policy applies).
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type QueueName, type QueueSpec, queues as topologyQueues } from '#topology/topology.ts';

/** The account id the SQS emulator (fauxqs) puts in queue URLs and ARNs. */
export const LOCAL_SQS_ACCOUNT_ID = '000000000000';
/** Dead-letter queues keep messages for the SQS maximum, 14 days, as the CDK stack sets them. */
export const DLQ_RETENTION_SECONDS = 14 * 86_400;

export interface QueueRef {
  /** Physical name. */
  name: string;
  url: string;
  arn: string;
}

export interface QueueResource extends QueueRef {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  dlq: QueueRef;
}

export type QueueResources<Q extends string = QueueName> = Record<Q, QueueResource>;

/** Physical queue names: `<prefix>-<logical name>` and its dead-letter queue `<prefix>-<logical name>-dlq`. */
export const queueName = (prefix: string, logical: string): string =>
  prefix ? `${prefix}-${logical}` : logical;
export const dlqName = (prefix: string, logical: string): string => `${queueName(prefix, logical)}-dlq`;

/**
 * The URL of a queue on an endpoint. fauxqs answers URLs whose host is `sqs.<region>.localhost:<port it was
 * created on>`; it finds queues by name whatever the host, so URLs built on the current endpoint keep working
 * after a restart on another port (and need no DNS shim).
 */
export const localQueueUrl = (endpoint: string, name: string): string =>
  `${endpoint.replace(/\/+$/, '')}/${LOCAL_SQS_ACCOUNT_ID}/${name}`;

/**
 * Creates a standard queue with these attributes, or sets them on the queue if it exists (CreateQueue refuses an
 * existing name with other attributes). Returns its URL on `endpoint` and its ARN.
 */
export const ensureQueue = async (
  client: SQSClient,
  endpoint: string,
  name: string,
  attributes: Record<string, string>,
): Promise<QueueRef> => {
  const url = localQueueUrl(endpoint, name);
  let exists = true;
  try {
    await client.send(new GetQueueUrlCommand({ QueueName: name }));
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
    exists = false;
  }
  if (exists) {
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  } else {
    try {
      await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    } catch (error) {
      // fauxqs names it AWS.SimpleQueueService.QueueNameExists, which the SDK does not map to the class.
      if (!(error instanceof QueueNameExists) && !/QueueNameExists/.test((error as Error).name)) throw error;
      // Created concurrently with other attributes.
      await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    }
  }
  const out = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`Queue ${name} has no ARN`);
  return { name, url, arn };
};

export interface CreateQueuesOptions<Q extends string> {
  /** Physical names are `<prefix>-<name>` and `<prefix>-<name>-dlq`. */
  prefix: string;
  /** The SQS endpoint the returned URLs are built on. */
  endpoint: string;
  /** The queues (default: the topology's). */
  specs?: Record<Q, QueueSpec>;
  /**
   * Local option: every queue's visibility timeout, instead of the topology's (tests use a second or two so
   * that retries and moves to the dead-letter queue happen in seconds).
   */
  visibilityTimeoutSeconds?: number;
}

/**
 * Creates every queue of the topology and its dead-letter queue (14 days' retention), with the topology's
 * visibility timeout and retention and the redrive policy `{deadLetterTargetArn, maxReceiveCount}`; idempotent.
 */
export async function createQueues(
  client: SQSClient,
  options: CreateQueuesOptions<QueueName> & { specs?: undefined },
): Promise<QueueResources>;
export async function createQueues<Q extends string>(
  client: SQSClient,
  options: CreateQueuesOptions<Q> & { specs: Record<Q, QueueSpec> },
): Promise<QueueResources<Q>>;
export async function createQueues(
  client: SQSClient,
  options: CreateQueuesOptions<string>,
): Promise<QueueResources<string>> {
  const specs: Record<string, QueueSpec> = options.specs ?? topologyQueues;
  const entries = await Promise.all(
    Object.entries(specs).map(async ([logical, spec]): Promise<[string, QueueResource]> => {
      const dlq = await ensureQueue(client, options.endpoint, dlqName(options.prefix, logical), {
        MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
      });
      const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? spec.visibilityTimeoutSeconds;
      const queue = await ensureQueue(client, options.endpoint, queueName(options.prefix, logical), {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(spec.retentionDays * 86_400),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: spec.maxReceiveCount,
        }),
      });
      return [logical, { ...queue, visibilityTimeoutSeconds, maxReceiveCount: spec.maxReceiveCount, dlq }];
    }),
  );
  return Object.fromEntries(entries);
}
