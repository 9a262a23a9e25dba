/** The DocumentClient every DynamoDB adapter takes: undefined attributes are dropped rather than rejected. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const createDocumentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** True for the error DynamoDB answers when a ConditionExpression is false. */
export const isConditionalCheckFailed = (
  error: unknown,
): error is Error & { Item?: Record<string, unknown> } =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/**
 * Reads one attribute of the raw (marshalled) item a ConditionalCheckFailedException carries with
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`: the DocumentClient does not unmarshall error payloads.
 */
export const rawAttribute = (
  item: Record<string, unknown> | undefined,
  name: string,
): string | number | undefined => {
  const value = item?.[name] as { S?: string; N?: string } | string | number | undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  return undefined;
};
