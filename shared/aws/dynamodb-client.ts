import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { baseConfig, cached, type Factory } from './client-cache';

/** The DynamoDB client (low-level; wrap it in `DynamoDBDocumentClient` where plain objects suit). Import it from `./clients`. */
export const dynamoDb: Factory<DynamoDBClient> = /* @__PURE__ */ cached('dynamoDb', () => new DynamoDBClient(baseConfig()));

/** A document client over `client` that drops undefined attributes (plain objects in, plain objects out). */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
