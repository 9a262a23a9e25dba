/**
 * What the local scheduler's targets are in the runtime: the topology's `schedule-target` functions, invoked
 * in-process with the schedule's input as the event (Scheduler's Lambda target: no envelope), and the local
 * queues (Scheduler's SQS target: the input is the message body). Dead-letter events go to local queues.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type FunctionName, type FunctionSpec, functions as topologyFunctions } from '#topology/topology.ts';
import { functionArn, invoke, type LoadedFunction } from './invoke.ts';
import type { SchedulerTargets } from '#local/scheduler/firing.ts';

/** The functions Scheduler may invoke: those the topology declares as schedule targets. */
export const scheduleTargetFunctions = (
  specs: Record<string, FunctionSpec> = topologyFunctions,
): Map<string, FunctionName> =>
  new Map(
    Object.entries(specs)
      .filter(([, spec]) => spec.trigger.kind === 'schedule-target')
      .map(([name]) => [functionArn(name), name as FunctionName]),
  );

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

export const schedulerTargets = (deps: {
  sqs: SQSClient;
  /** Queue ARN → URL of every local queue. */
  queues: ReadonlyMap<string, string>;
  /** The loaded functions; null until the runtime has loaded them. */
  functions: () => ReadonlyMap<FunctionName, LoadedFunction> | null;
  /** Function ARN → name of the functions schedules may target (default: the topology's schedule targets). */
  targetFunctions?: ReadonlyMap<string, FunctionName>;
}): SchedulerTargets => {
  const targetFunctions = deps.targetFunctions ?? scheduleTargetFunctions();
  return {
    has: (arn) => targetFunctions.has(arn) || deps.queues.has(arn),
    async deliver(arn, input) {
      const queueUrl = deps.queues.get(arn);
      if (queueUrl) {
        await deps.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: input }));
        return;
      }
      const name = targetFunctions.get(arn);
      const fn = name ? deps.functions()?.get(name) : undefined;
      if (!fn) throw named('ResourceNotFoundException', `Function not found: ${arn}`);
      let event: unknown;
      try {
        event = JSON.parse(input);
      } catch {
        throw named('InvalidRequestContentException', 'Could not parse request body into json');
      }
      const outcome = await invoke(fn, event);
      if (!outcome.ok) throw named(outcome.errorType, outcome.errorMessage);
    },
    async deadLetter(queueArn, body, attributes) {
      const queueUrl = deps.queues.get(queueArn);
      if (!queueUrl) return false;
      await deps.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes)
              .filter(([, v]) => v !== '') // SQS refuses empty attribute values
              .map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      );
      return true;
    },
  };
};
