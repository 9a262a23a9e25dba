import { Arn, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterRetention, resourcePrefix, secureQueue } from './job-queue.ts';

/** `sweeper` → `confirm-and-send-sweeper`, `scheduledStart` → `confirm-and-send-scheduled-start`. */
export const periodicRuleName = (functionName: string): string =>
  `${resourcePrefix}-${functionName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export const ruleDeadLetterQueueName = `${resourcePrefix}-rules-dlq`;

/** Attempts EventBridge makes to hand one run to Lambda after the first fails (throttled, service error). */
export const periodicRuleRetryAttempts = 2;

/**
 * The dead-letter queue of the periodic rules' failed invocations (runs EventBridge could not hand to Lambda
 * after its retries), with the reason in the message attributes. It lives with the other queues in the stateful
 * stack, while the rules live with their functions: its policy therefore names the rules by their fixed name
 * pattern (`rule/confirm-and-send-*` of this account and region) rather than by ARN, which would make the
 * stateful stack depend on the stateless one. Nothing in it is worth redriving (the next run does the work):
 * it is there to be seen, with an alarm.
 */
export function ruleDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const stack = Stack.of(scope);
  const queue = secureQueue(scope, id, {
    queueName: ruleDeadLetterQueueName,
    retentionPeriod: deadLetterRetention,
  });
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'PeriodicRulesDeadLetters',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': Arn.format(
            { service: 'events', resource: 'rule', resourceName: `${resourcePrefix}-*` },
            stack,
          ),
        },
      },
    }),
  );
  return queue;
}

export interface PeriodicRuleProps {
  readonly function: lambda.IFunction;
  /** Fixed name, `confirm-and-send-…` (the dead-letter queue's policy matches that prefix). */
  readonly ruleName: string;
  readonly minutes: number;
  /** The rules' dead-letter queue (stateful stack). */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * An EventBridge rule `rate(N minutes)` invoking a function (asynchronously, with no input but the scheduled
 * event). A run EventBridge cannot hand over is retried for at most one period, then goes to the dead-letter
 * queue: past that, the next run does the same work.
 */
export class PeriodicRule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: PeriodicRuleProps) {
    super(scope, id);
    if (!Number.isInteger(props.minutes) || props.minutes < 1) {
      throw new Error(`${props.ruleName}: every ${props.minutes} minutes: must be a whole number >= 1`);
    }
    if (!props.ruleName.startsWith(`${resourcePrefix}-`)) {
      throw new Error(`${props.ruleName}: periodic rule names start with ${resourcePrefix}- (DLQ policy)`);
    }
    // Imported by ARN: the queue's policy is written in its own stack (see ruleDeadLetterQueue); through the
    // construct itself, the target would add a statement naming this rule's ARN to it, across stacks.
    const deadLetterQueue = sqs.Queue.fromQueueArn(this, 'DeadLetterQueue', props.deadLetterQueue.queueArn);
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: props.ruleName,
      description: `Runs ${props.function.node.path} every ${props.minutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(props.minutes)),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.function, {
        deadLetterQueue,
        retryAttempts: periodicRuleRetryAttempts,
        maxEventAge: Duration.minutes(props.minutes),
      }),
    );
  }
}
