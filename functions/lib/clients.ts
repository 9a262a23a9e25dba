/**
 * AWS SDK clients, one per process. Endpoints come from the standard AWS_ENDPOINT_URL_* variables, which the
 * local runtime and the tests set; in Lambda they are unset and the SDK uses the regional endpoints. In Lambda
 * every client is captured by the Tracer (functions/lib/observability.ts): each call is an X-Ray subsegment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { createSesClient } from '#adapters/ses/email-sender.ts';
import { captureClient } from './observability.ts';

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

export const dynamoDb = once(() => captureClient(new DynamoDBClient({ maxAttempts: 5 })));
export const documentClient = once((): DynamoDBDocumentClient => createDocumentClient(dynamoDb()));
export const sqs = once(() => captureClient(new SQSClient({ maxAttempts: 5 })));
/** SES v2 with maxAttempts 1: a hidden retry after a timeout could send a message twice. */
export const sesv2 = once((): SESv2Client => captureClient(createSesClient()));
/** SES v2 for account reads (GetAccount): retried as usual, it sends nothing. */
export const sesAccountClient = once(() => captureClient(new SESv2Client({ maxAttempts: 3 })));
export const scheduler = once(() => captureClient(new SchedulerClient({ maxAttempts: 5 })));
export const secretsManager = once(() => captureClient(new SecretsManagerClient({ maxAttempts: 3 })));
