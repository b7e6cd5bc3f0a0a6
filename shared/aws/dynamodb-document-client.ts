import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// In a file of its own, imported only where it is used: lib-dynamodb declares no sideEffects, so
// re-exported from clients.ts it would load at every function's cold start.

/** A document client over `client` that drops undefined attributes (plain objects in, plain objects out). */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
