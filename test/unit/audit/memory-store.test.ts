import { describe } from 'vitest';
import { MemoryAuditStore } from '../../../shared/audit/memory-store';
import { auditStoreContract } from './store-contract';

describe('the memory audit store', () => {
  auditStoreContract(() => new MemoryAuditStore());
});
