import { describe } from 'vitest';
import { MemoryDetectorState } from '../../../shared/detection/memory-state';
import { detectorStateContract } from '../../support/detection-state-contract';

describe('the memory detector state', () => {
  detectorStateContract(() => new MemoryDetectorState());
});
