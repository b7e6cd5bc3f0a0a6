import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { choiceTag, type TaggedSecret } from '../strategies/tag-options';
import { readDbSecret } from './secret';

/** Chooses single-user or alternating-users rotation; see {@link rotationMode}. */
export const ROTATION_MODE_TAG = 'keywarden:rotation';

/** How a database user's password rotates. */
export type RotationMode = 'single-user' | 'alternating-users';
const MODES: readonly RotationMode[] = ['single-user', 'alternating-users'];

/**
 * The tag `keywarden:rotation` decides when present; otherwise a secret with `masterarn` rotates
 * alternating users (it names the admin that can create the clone, as in AWS's templates) and
 * one without rotates its single user. Read from the current value, so every step of one
 * rotation agrees, whatever the pending value says.
 */
export function rotationMode(secret: TaggedSecret, current: { masterarn?: string }): RotationMode {
  const fallback: RotationMode = current.masterarn ? 'alternating-users' : 'single-user';
  return choiceTag(secret, ROTATION_MODE_TAG, MODES, fallback);
}

/**
 * One engine's strategy: each step goes to the single-user or the alternating-users strategy, by
 * {@link rotationMode}. createSecret and revoke decide from the current value; setSecret,
 * testSecret and finishSecret from the pending one, which createSecret copied from current
 * (same `masterarn`), so the steps agree and none reads a value it would not read anyway.
 */
export function byRotationMode(name: string, modes: Record<RotationMode, RotationStrategy>): RotationStrategy {
  const pick = async (ctx: RotationContext, label: 'current' | 'pending'): Promise<RotationStrategy> =>
    modes[rotationMode(ctx, await readDbSecret(ctx, label))];
  const strategy: RotationStrategy = {
    name,
    create: async (ctx) => (await pick(ctx, 'current')).create(ctx),
    set: async (ctx) => (await pick(ctx, 'pending')).set(ctx),
    test: async (ctx) => (await pick(ctx, 'pending')).test(ctx),
    revoke: async (ctx): Promise<RevokeOutcome> => (await pick(ctx, 'current')).revoke(ctx),
  };
  if (Object.values(modes).some((mode) => mode.finish)) {
    strategy.finish = async (ctx) => (await pick(ctx, 'pending')).finish?.(ctx);
  }
  return strategy;
}
