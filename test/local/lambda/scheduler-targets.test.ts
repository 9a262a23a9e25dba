/**
 * The local scheduler's targets in the runtime: the topology's schedule-target function, invoked in-process with
 * the input as its event; local queues, sent the input as the body; dead-letter events sent with their attributes.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type FunctionName, functions } from '#topology/topology.ts';
import { functionArn, type LoadedFunction } from '#local/lambda/invoke.ts';
import { scheduleTargetFunctions, schedulerTargets } from '#local/lambda/scheduler-targets.ts';

const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
const mock = mockClient(sqs);
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:local-schedules-dlq';
const QUEUE_URL = 'http://127.0.0.1:1/000000000000/local-schedules-dlq';

const setup = (handler: LoadedFunction['handler']) => {
  const events: unknown[] = [];
  const loaded = new Map<FunctionName, LoadedFunction>([
    [
      'scheduledStart',
      {
        name: 'scheduledStart',
        spec: functions.scheduledStart,
        handler: async (event, context) => {
          events.push(event);
          return handler(event, context);
        },
      },
    ],
  ]);
  const targets = schedulerTargets({
    sqs,
    queues: new Map([[QUEUE_ARN, QUEUE_URL]]),
    functions: () => loaded,
  });
  return { targets, events };
};

beforeEach(() => {
  mock.reset();
  mock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe('scheduler targets in the runtime', () => {
  it("are the topology's schedule-target functions and the local queues", () => {
    expect([...scheduleTargetFunctions()]).toEqual([[functionArn('scheduledStart'), 'scheduledStart']]);
    const { targets } = setup(async () => null);
    expect(targets.has(functionArn('scheduledStart'))).toBe(true);
    expect(targets.has(QUEUE_ARN)).toBe(true);
    expect(targets.has(functionArn('sender'))).toBe(false);
    expect(targets.has('arn:aws:lambda:us-east-1:000000000000:function:elsewhere')).toBe(false);
  });

  it('invoke the function with the input as its event, and fail as it fails', async () => {
    const { targets, events } = setup(async (event) => {
      if ((event as { fail?: boolean }).fail) throw new RangeError('no such delivery');
      return { ok: true };
    });
    await targets.deliver(functionArn('scheduledStart'), '{"deliveryId":"d-1","kind":"once"}');
    expect(events).toEqual([{ deliveryId: 'd-1', kind: 'once' }]);
    await expect(targets.deliver(functionArn('scheduledStart'), '{"fail":true}')).rejects.toMatchObject({
      name: 'RangeError',
      message: 'no such delivery',
    });
    await expect(targets.deliver(functionArn('scheduledStart'), 'not json')).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
    });
  });

  it('send the input to a queue target, and dead-letter events with their attributes', async () => {
    const { targets } = setup(async () => null);
    await targets.deliver(QUEUE_ARN, '{"a":1}');
    expect(
      await targets.deadLetter(QUEUE_ARN, '{"a":1}', { ERROR_CODE: 'RangeError', ERROR_MESSAGE: '' }),
    ).toBe(true);
    expect(await targets.deadLetter('arn:aws:sqs:us-east-1:123456789012:remote', '{}', {})).toBe(false);
    expect(mock.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: '{"a":1}' },
      {
        QueueUrl: QUEUE_URL,
        MessageBody: '{"a":1}',
        // SQS refuses empty attribute values: an empty message is left out.
        MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'RangeError' } },
      },
    ]);
  });
});
