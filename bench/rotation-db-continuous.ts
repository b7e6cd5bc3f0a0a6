import { join } from 'node:path';
import { localEnv } from '../cli/local/env';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { resetClients } from '../shared/aws/clients';
import { createStageResources } from './stage';
import { median } from './stats';

const ROTATIONS = 20;

/**
 * A client logging in continuously (reading AWSCURRENT before each login) through 20 rotations
 * of each engine and strategy, through the built rotate bundle against the bench's own local AWS
 * and the real servers: failed logins (none expected with alternating users and dual passwords)
 * and single-user lockout windows, against the median rotation of the same run as the baseline.
 * The same cases run at six rotations, asserted, in test/integration/rotation-db-continuous.test.ts.
 */
export async function printContinuousLoginFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-continuous-moto.log'), detached: false });
  const previousEnv = { ...process.env };
  try {
    await createStageResources(moto.endpoint);
    Object.assign(process.env, localEnv(moto.endpoint));
    resetClients();
    // The helpers build their Secrets Manager client when loaded: only now does it find this moto.
    const { LOGIN_CASES, describeRun, rotateWhileLoggingIn, startLoginServices, stopLoginServices } = await import('../test/support/continuous-login');
    const services = await startLoginServices();
    console.log(`\n== a client logging in continuously through ${ROTATIONS} rotations (target: 0 failed logins with alternating users and dual passwords)`);
    try {
      for (const loginCase of LOGIN_CASES) {
        const { name, login } = await loginCase.setup(services);
        const run = await rotateWhileLoggingIn(name, login, ROTATIONS);
        const rotation = median(run.rotationsMs);
        const longest = run.windowsMs.length ? Math.max(...run.windowsMs) : 0;
        console.log(`${describeRun(loginCase.label, run, ROTATIONS)}; median rotation ${rotation.toFixed(0)} ms, longest window ${(longest / rotation).toFixed(2)}x a rotation`);
      }
    } finally {
      await stopLoginServices(services);
    }
  } finally {
    process.env = previousEnv;
    resetClients();
    await stopServer(moto.pid);
  }
}
