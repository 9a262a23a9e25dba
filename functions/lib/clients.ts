/**
 * AWS SDK clients, one per process. Endpoints come from the standard AWS_ENDPOINT_URL_* variables, which the
 * local runtime and the tests set; in Lambda they are unset and the SDK uses the regional endpoints.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';

let ddb: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;

export const dynamoDb = (): DynamoDBClient => {
  ddb ??= new DynamoDBClient({ maxAttempts: 5 });
  return ddb;
};

export const documentClient = (): DynamoDBDocumentClient => {
  doc ??= createDocumentClient(dynamoDb());
  return doc;
};
