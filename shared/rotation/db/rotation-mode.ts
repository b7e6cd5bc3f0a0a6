import { boundRotationMode, ROTATION_MODE_TAG } from '../binding';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { choiceTag, type TaggedSecret } from '../values/tag-options';

export { ROTATION_MODE_TAG };

/** How a database user's password rotates. */
export type RotationMode = 'single-user' | 'alternating-users';
const MODES: readonly RotationMode[] = ['single-user', 'alternating-users'];

/**
 * The mode a secret asked for before bindings: the tag `keywarden:rotation` when present;
 * otherwise a secret with `masterarn` rotates alternating users (it names the admin that can
 * create the clone, as in AWS's templates) and one without rotates its single user. Only
 * `keywarden bind --from-current` uses it, to propose a binding; a rotation takes the mode from
 * the binding ({@link byRotationMode}).
 */
export function rotationMode(secret: TaggedSecret, current: { masterarn?: string }): RotationMode {
  const fallback: RotationMode = current.masterarn ? 'alternating-users' : 'single-user';
  return choiceTag(secret, ROTATION_MODE_TAG, MODES, fallback);
}

/**
 * One engine's strategy: each step goes to the single-user or the alternating-users strategy, by
 * the secret's binding (an administrator's decision, which neither the value nor a tag changes),
 * so every step of one rotation agrees.
 */
export function byRotationMode(name: string, modes: Record<RotationMode, RotationStrategy>): RotationStrategy {
  const pick = (ctx: RotationContext): RotationStrategy => modes[boundRotationMode(ctx)];
  const strategy: RotationStrategy = {
    name,
    create: (ctx) => pick(ctx).create(ctx),
    set: (ctx) => pick(ctx).set(ctx),
    test: (ctx) => pick(ctx).test(ctx),
    revoke: (ctx): Promise<RevokeOutcome> => pick(ctx).revoke(ctx),
    invalidatesPrevious: (ctx) => pick(ctx).invalidatesPrevious?.(ctx) ?? false,
  };
  if (Object.values(modes).some((mode) => mode.finish)) {
    strategy.finish = async (ctx) => pick(ctx).finish?.(ctx);
  }
  return strategy;
}
