import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe } from 'vitest';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { DynamoDbDetectorState } from '../../shared/aws/dynamodb-detector-state';
import { templateResource } from '../support/local-aws';
import { auditStoreContract } from '../support/audit-store-contract';
import { detectorStateContract } from '../support/detection-state-contract';

// The DynamoDB adapters against the tables deploy/audit.yml declares (keys, indexes, TTL), in the
// local AWS: the same contracts the memory implementations meet.
const client = new DynamoDBClient({});

describe('the DynamoDB detector state', () => {
  detectorStateContract(() => new DynamoDbDetectorState(client, templateResource('AuditStateTable')));
});

describe('the DynamoDB audit store', () => {
  auditStoreContract(
    () => new DynamoDbAuditStore(client, templateResource('AuditTable'), 365),
    () => ({
      store: new DynamoDbAuditStore(client, templateResource('AuditTable'), 365, { counterTable: templateResource('AuditStateTable') }),
      state: new DynamoDbDetectorState(client, templateResource('AuditStateTable')),
    }),
  );
});
