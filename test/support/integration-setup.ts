import { beforeEach } from 'vitest';
import { freshLocalAws, pointAtLocalAws } from './local-aws';

// Runs in each integration test file before it is imported: SDK clients built at import time
// already talk to this worker's moto, and every test starts from a fresh one with the template's
// resources (reset only when the test before it sent moto a request: see freshLocalAws).
pointAtLocalAws();
// The built bundles run in the test's process and find their stage's resources (the rotate
// function: its bindings table and findings bus) by it, as a deployed function is given it.
process.env.KEYWARDEN_STAGE ??= 'ci';

beforeEach(async () => {
  await freshLocalAws();
});
