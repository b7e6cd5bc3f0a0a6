import { describe } from 'vitest';
import { MemoryAuditStore } from '../../../shared/audit/memory-store';
import { MemoryDetectorState } from '../../../shared/detection/memory-state';
import { auditStoreContract } from '../../support/audit-store-contract';

describe('the memory audit store', () => {
  auditStoreContract(
    () => new MemoryAuditStore(),
    () => {
      const state = new MemoryDetectorState();
      return { store: new MemoryAuditStore(state), state };
    },
  );
});
