import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { baseConfig, cached, type Factory } from './client-cache';

/** The DynamoDB client (low-level; wrap it in `DynamoDBDocumentClient` where plain objects suit). Import it from `./clients`. */
export const dynamoDb: Factory<DynamoDBClient> = /* @__PURE__ */ cached('dynamoDb', () => new DynamoDBClient(baseConfig()));

