import { describe } from 'vitest';
import { MemoryDetectorState } from '../../../shared/detection/memory-state';
import { detectorStateContract } from './state-contract';

describe('the memory detector state', () => {
  detectorStateContract(() => new MemoryDetectorState());
});
