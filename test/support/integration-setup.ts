import { beforeEach } from 'vitest';
import { pointAtLocalAws, resetLocalAws } from './local-aws';

// Runs in each integration test file before it is imported: SDK clients built at import time
// already talk to this run's moto, and every test starts from a fresh one with the template's
// resources.
pointAtLocalAws();

beforeEach(async () => {
  await resetLocalAws();
});
