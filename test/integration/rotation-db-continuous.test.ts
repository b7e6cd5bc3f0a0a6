import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_CASES, describeRun, rotateWhileLoggingIn, startLoginServices, stopLoginServices, type LoginServices } from '../support/continuous-login';

/**
 * A client that logs in again and again, reading AWSCURRENT each time, while rotations run
 * through the built bundle. Alternating users and dual passwords must never fail it; single-user
 * rotation has a window between setSecret and finishSecret, which is measured and reported. Six
 * rotations take each user of an alternating pair through three rotations; the 20-rotation
 * figures are `npm run bench -- rotation-db-continuous`.
 */
const ROTATIONS = 6;

let services: LoginServices | undefined;

beforeAll(async () => {
  services = await startLoginServices();
});

afterAll(async () => {
  if (services) await stopLoginServices(services);
});

describe(`a client logging in continuously through ${ROTATIONS} rotations`, () => {
  for (const loginCase of LOGIN_CASES) {
    const promise = loginCase.zeroFailures ? 'zero failed logins' : 'the lockout window is measured and reported';
    it(`${loginCase.label}: ${promise}`, async () => {
      const { name, login } = await loginCase.setup(services!);
      const run = await rotateWhileLoggingIn(name, login, ROTATIONS);
      console.log(`[rotation-db] ${describeRun(loginCase.label, run, ROTATIONS)}`);
      expect(run.attempts).toBeGreaterThan(ROTATIONS);
      if (loginCase.zeroFailures) {
        expect(run.errors).toEqual([]);
        expect(run.failures).toBe(0);
      } else {
        // Every failure is the server refusing the old password inside a window, never anything else.
        for (const message of run.errors) expect(message).toMatch(loginCase.refusal!);
      }
    });
  }
});
