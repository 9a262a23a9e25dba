/**
 * The environment the runtime gives its handlers: one process for all functions, so the union of what each
 * function's `functionEnvironment` gives it (queue URLs, settings), plus the local scheduler's endpoint.
 */
import { describe, expect, it } from 'vitest';
import {
  deadLetterEnv,
  functionEnvironment,
  functions,
  queueEnv,
  queueEntries,
  SETTINGS,
  type SettingName,
} from '#topology/topology.ts';
import { tableNames } from '#local/dynamodb/tables.ts';
import { handlerEnvironment, localSettings } from '#local/environment.ts';

const endpoints = {
  dynamodb: 'http://127.0.0.1:1',
  sqs: 'http://127.0.0.1:2',
  ses: 'http://127.0.0.1:3',
  scheduler: 'http://127.0.0.1:4',
};
const tables = tableNames('local');
const queueUrls = {
  prepare: 'http://127.0.0.1:2/000000000000/local-prepare',
  start: 'http://127.0.0.1:2/000000000000/local-start',
  send: 'http://127.0.0.1:2/000000000000/local-send',
  events: 'http://127.0.0.1:2/000000000000/local-events',
};
const deadLetterUrls = Object.fromEntries(
  Object.entries(queueUrls).map(([name, url]) => [name, `${url}-dlq`]),
) as Record<keyof typeof queueUrls, string>;

const unsubscribe = {
  keySecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:local-unsubscribe-signing-key-abc123',
  baseUrl: 'http://127.0.0.1:3000',
};

describe('the handlers’ environment', () => {
  it('has the local settings, as CDK fills them in AWS', () => {
    const settings = localSettings({
      schedulesDlqArn: 'arn:aws:sqs:us-east-1:000000000000:local-schedules-dlq',
      unsubscribe,
    });
    expect(Object.keys(settings).sort()).toEqual(Object.keys(SETTINGS).sort());
    expect(settings).toEqual({
      SES_CONFIGURATION_SET: 'local-config-set',
      SEND_RATE_FRACTION: '0.8',
      SEND_RATE_LIMIT: '',
      SENDER_MAX_CONCURRENCY: String(functions.sender.trigger.maxConcurrency),
      SCHEDULE_GROUP: 'local-deliveries',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/local-scheduler',
      SCHEDULE_TARGET_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:scheduledStart',
      SCHEDULE_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:local-schedules-dlq',
      IN_DOUBT_WINDOW_MINUTES: '60',
      EVENTS_VISIBILITY_TIMEOUT_SECONDS: '360',
      UNSUBSCRIBE_KEY_SECRET: unsubscribe.keySecretArn,
      UNSUBSCRIBE_BASE_URL: 'http://127.0.0.1:3000',
      UNSUBSCRIBE_MAILTO: '',
      GUARD_BOUNCE_RATE: '0.04',
      GUARD_COMPLAINT_RATE: '0.0008',
      GUARD_MIN_PROCESSED: '200',
    });
    expect(
      localSettings({ schedulesDlqArn: 'x', unsubscribe, guard: { minProcessed: '10' } }).GUARD_MIN_PROCESSED,
    ).toBe('10');
    expect(localSettings({ schedulesDlqArn: 'x', unsubscribe, sendRateLimit: '14' }).SEND_RATE_LIMIT).toBe(
      '14',
    );
    expect(
      localSettings({ schedulesDlqArn: 'x', unsubscribe, inDoubtWindowMinutes: '2' }).IN_DOUBT_WINDOW_MINUTES,
    ).toBe('2');
    // LOCAL_VISIBILITY_TIMEOUT_SECONDS shortens every queue's, the events queue's with them: the sweeper knows.
    expect(
      localSettings({ schedulesDlqArn: 'x', unsubscribe, visibilityTimeoutSeconds: 5 })
        .EVENTS_VISIBILITY_TIMEOUT_SECONDS,
    ).toBe('5');
  });

  it("is the union of every function's environment, with the scheduler's endpoint", () => {
    const settings = localSettings({
      schedulesDlqArn: 'arn:aws:sqs:us-east-1:000000000000:local-schedules-dlq',
      unsubscribe,
    });
    const env = handlerEnvironment(endpoints, tables, 'WARN', { queueUrls, settings, deadLetterUrls });
    for (const spec of Object.values(functions)) {
      expect(env).toMatchObject(functionEnvironment(spec, tables, queueUrls, settings, deadLetterUrls));
    }
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      [queueEnv('prepare')]: queueUrls.prepare,
      [queueEnv('start')]: queueUrls.start,
      [queueEnv('send')]: queueUrls.send,
    });
    for (const name of Object.keys(SETTINGS) as SettingName[]) expect(env[name], name).toBe(settings[name]);
    // The ingester refuses what is not an SES event to the events queue's DLQ, at once.
    expect(env[deadLetterEnv('events')]).toBe(deadLetterUrls.events);
    expect(env.IN_DOUBT_WINDOW_MINUTES).toBe('60');
  });

  it('covers every queue of the topology (the runtime creates each with its DLQ)', () => {
    expect(Object.keys(queueUrls).sort()).toEqual(
      queueEntries()
        .map(([name]) => name)
        .sort(),
    );
  });

  it('without wiring, has no queue or setting variables (the base environment set before the queues exist)', () => {
    const env = handlerEnvironment(endpoints, tables, 'WARN');
    expect(
      Object.keys(env).filter((k) => k.startsWith('QUEUE_URL_') || k.startsWith('DLQ_URL_') || k in SETTINGS),
    ).toEqual([]);
  });
});
