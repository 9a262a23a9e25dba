/**
 * JobSource contract: the same cases against FakeJobSource and SqsJobSource (fauxqs, through the real SQS client).
 * A receive takes at most `max` visible messages and answers [] at once on an empty queue; a message received is
 * not received again within its visibility timeout; one done is never received again, one not done comes back
 * after the timeout one receive more, and moves to the dead-letter queue after maxReceiveCount receives; bodies
 * arrive byte for byte. A visibility timeout of 0 stands for "the timeout has passed" (no waiting in a test).
 */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SqsJobSource } from '#adapters/sqs/job-source.ts';
import type { JobSource, ReceivedMessage } from '#ports/index.ts';
import { FakeJobSource } from '#test/helpers/fakes/index.ts';
import { drainBodies } from '#test/helpers/sqs.ts';
import { type Implementation, unique } from './support.ts';

interface QueueOptions {
  /** Default 60 s: longer than any test. */
  visibilityTimeoutSeconds?: number;
  /** With a dead-letter queue and this redrive policy; none by default. */
  maxReceiveCount?: number;
}

interface Subject {
  source: JobSource;
  /** Sends these bodies to the queue (as a producer would). */
  send: (bodies: readonly string[]) => Promise<void>;
  /** The bodies the redrive policy moved to the dead-letter queue. */
  deadLetters: () => Promise<string[]>;
}

const sqs = new SQSClient({ endpoint: inject('endpoints').sqs, region: inject('region') });
const queueUrls: string[] = [];
afterAll(async () => {
  await Promise.all(queueUrls.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl }))));
  sqs.destroy();
});

const createQueue = async (name: string, attributes: Record<string, string>): Promise<string> => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  queueUrls.push(QueueUrl!);
  return QueueUrl!;
};

const implementations: Array<Implementation<(options?: QueueOptions) => Promise<Subject>>> = [
  {
    name: 'FakeJobSource',
    make:
      () =>
      async ({ visibilityTimeoutSeconds = 60, maxReceiveCount } = {}) => {
        const source = new FakeJobSource([], {
          visibilityTimeoutMs: visibilityTimeoutSeconds * 1000,
          ...(maxReceiveCount === undefined ? {} : { maxReceiveCount }),
        });
        return {
          source,
          send: async (bodies) => source.add(...bodies),
          deadLetters: async () => [...source.deadLetters],
        };
      },
  },
  {
    name: 'SqsJobSource',
    make:
      () =>
      async ({ visibilityTimeoutSeconds = 60, maxReceiveCount } = {}) => {
        const name = unique('source').slice(0, 40);
        let dlqUrl: string | undefined;
        const attributes: Record<string, string> = { VisibilityTimeout: String(visibilityTimeoutSeconds) };
        if (maxReceiveCount !== undefined) {
          dlqUrl = await createQueue(`${name}-dlq`, {});
          const { Attributes } = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
          );
          attributes.RedrivePolicy = JSON.stringify({
            deadLetterTargetArn: Attributes!.QueueArn,
            maxReceiveCount,
          });
        }
        const queueUrl = await createQueue(name, attributes);
        return {
          source: new SqsJobSource({ client: sqs, queueUrl }),
          send: async (bodies) => {
            for (let i = 0; i < bodies.length; i += 10) {
              const out = await sqs.send(
                new SendMessageBatchCommand({
                  QueueUrl: queueUrl,
                  Entries: bodies.slice(i, i + 10).map((MessageBody, n) => ({ Id: `${n}`, MessageBody })),
                }),
              );
              expect(out.Failed ?? []).toEqual([]);
            }
          },
          deadLetters: async () => (dlqUrl === undefined ? [] : drainBodies(sqs, dlqUrl)),
        };
      },
  },
];

const bodiesOf = (messages: readonly ReceivedMessage[]): string[] => messages.map((m) => m.body).sort();

describe.each(implementations)('JobSource contract: $name', ({ make }) => {
  const subject = (options?: QueueOptions) => make()(options);

  it('receives at most max messages a call, each message once, until the queue is empty', async () => {
    const { source, send } = await subject();
    const sent = ['j1', 'j2', 'j3', 'j4', 'j5'];
    await send(sent);
    const first = await source.receive(3);
    expect(first).toHaveLength(3);
    const rest = await source.receive(10);
    expect(bodiesOf([...first, ...rest])).toEqual(sent);
    expect(new Set([...first, ...rest].map((m) => m.messageId)).size).toBe(5);
    expect([...first, ...rest].map((m) => m.receiveCount)).toEqual([1, 1, 1, 1, 1]);
    expect(await source.receive(10)).toEqual([]);
  });

  it('answers [] on an empty queue', async () => {
    const { source } = await subject();
    expect(await source.receive(1)).toEqual([]);
  });

  it('refuses to receive fewer than 1 or more than 10 messages a call', async () => {
    const { source } = await subject();
    for (const max of [0, 11, 1.5]) await expect(source.receive(max)).rejects.toThrow(RangeError);
  });

  it('does not receive a message again within its visibility timeout, done or not', async () => {
    const { source, send } = await subject({ visibilityTimeoutSeconds: 60 });
    await send(['a', 'b']);
    const [a, b] = await source.receive(2);
    expect(bodiesOf([a!, b!])).toEqual(['a', 'b']);
    await a!.done();
    expect(await source.receive(10)).toEqual([]);
  });

  it('never receives a message done again; one not done comes back after its visibility timeout, one receive more', async () => {
    const { source, send } = await subject({ visibilityTimeoutSeconds: 0 });
    await send(['kept', 'left']);
    const first = await source.receive(2);
    await first.find((m) => m.body === 'kept')!.done();
    const again = await source.receive(10);
    expect(again.map((m) => [m.body, m.receiveCount])).toEqual([['left', 2]]);
    expect(again[0]!.messageId).toBe(first.find((m) => m.body === 'left')!.messageId);
    await again[0]!.done();
    expect(await source.receive(10)).toEqual([]);
  });

  it('moves a message never done to the dead-letter queue after maxReceiveCount receives', async () => {
    const { source, send, deadLetters } = await subject({ visibilityTimeoutSeconds: 0, maxReceiveCount: 2 });
    await send(['poison']);
    expect((await source.receive(1)).map((m) => m.receiveCount)).toEqual([1]);
    expect((await source.receive(1)).map((m) => m.receiveCount)).toEqual([2]);
    expect(await source.receive(1)).toEqual([]);
    expect(await deadLetters()).toEqual(['poison']);
  });

  it('gives each body back byte for byte (unicode, JSON, whitespace)', async () => {
    const { source, send } = await subject();
    // No character outside the BMP: SQS carries them, fauxqs refuses them (it checks UTF-16 code units).
    const bodies = [
      JSON.stringify({ deliveryId: 'd-é-漢字', version: 3, recipientIds: ['ann', 'bob'] }),
      'naïve Ωμέγα \u00a0 «quoted» \\ \t tab\r\nnew line \ufffd',
      ' leading and trailing spaces ',
    ];
    await send(bodies);
    const received = await source.receive(10);
    expect(bodiesOf(received)).toEqual([...bodies].sort());
    for (const message of received) {
      const sent = bodies.find((b) => b === message.body)!;
      expect(Buffer.from(message.body, 'utf8').equals(Buffer.from(sent, 'utf8'))).toBe(true);
    }
  });
});
