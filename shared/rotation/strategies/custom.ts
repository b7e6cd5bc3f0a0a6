import { checkCustomValue, nextUser, requireCustomBinding, type CustomBinding } from '../binding-custom';
import { callRotator, customRotatorTimeoutMs, type CustomRotatorInvoker, type CustomRotatorRequest, type RotatorAnswer, type RotatorCredential } from '../custom-rotator';
import { customKeyShapes } from './custom-shapes';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { optionalStringField, parseSecretObject, readSecretDocument, secretFormatError, withOwnedFields, type SecretObject, type ValueLabel } from '../values/json-secret';
import { generatePassword, passwordPolicy } from '../values/password-policy';

/**
 * A credential at a service only its own Lambda function (a custom rotator) can change: a
 * message broker's, a search cluster's. keywarden generates the value in the shape the binding
 * names (a password, an API key, a JWT keyset or an encryption keyring, each the generated
 * strategy's) and keeps everything else, the four steps, staging, the ledger, the binding; the
 * rotator the binding names does set, test and revoke at the service, and receives only what
 * each action needs (contract: docs/custom-rotator.md).
 */
export function customRotatorStrategy(invoker: CustomRotatorInvoker): RotationStrategy {
  const password = passwordShape(invoker);
  const keys = keyShapes(invoker);
  const shaped = (ctx: RotationContext) => (requireCustomBinding(ctx).shape === 'password' ? password : keys);
  return {
    name: 'custom',
    create: (ctx) => shaped(ctx).create(ctx),
    set: (ctx) => shaped(ctx).set(ctx),
    test: (ctx) => shaped(ctx).test(ctx),
    revoke: (ctx) => shaped(ctx).revoke(ctx),
  };
}

/** The password shape: `{"username", "password", ...}`, users bound, alternating or single. */
function passwordShape(invoker: CustomRotatorInvoker): RotationStrategy {
  return {
    name: 'custom',

    async create(ctx) {
      const binding = requireCustomBinding(ctx);
      const text = await ctx.current();
      // setSecret sends the current credential, so a value without one stops here, before a
      // pending version exists.
      const { username } = await credential(ctx, binding, 'current', text);
      const current = readSecretDocument(text, ctx.name, 'current');
      return withOwnedFields(current, { username: nextUser(binding, username), password: generatePassword(passwordPolicy(ctx)) });
    },

    async set(ctx) {
      const binding = requireCustomBinding(ctx);
      const pending = await credential(ctx, binding, 'pending');
      const current = await credential(ctx, binding, 'current');
      // The current credential goes with set: many services change a password only for a caller
      // who proves the one it replaces, and a rotator with admin rights can still refuse to act
      // for a secret that does not hold the user's working credential.
      await call(ctx, binding, invoker, { action: 'set', shape: 'password', pending, current });
    },

    async test(ctx) {
      const binding = requireCustomBinding(ctx);
      await call(ctx, binding, invoker, { action: 'test', shape: 'password', pending: await credential(ctx, binding, 'pending') });
    },

    async revoke(ctx): Promise<RevokeOutcome> {
      const binding = requireCustomBinding(ctx);
      const current = await credential(ctx, binding, 'current');
      const previousValue = await ctx.previous();
      if (previousValue === undefined) return { revoked: false, detail: `secret ${ctx.name}: no previous version, nothing to revoke` };
      const previous = await credential(ctx, binding, 'previous', previousValue);
      // Revocation is by identity: the rotator never gets a password it would only throw away.
      const answer = await call(ctx, binding, invoker, {
        action: 'revoke',
        shape: 'password',
        previous: { username: previous.username },
        current: { username: current.username },
      });
      return { revoked: answer.revoked === true, detail: `secret ${ctx.name}: ${answer.detail ?? (answer.revoked ? 'revoked by the rotator' : 'the rotator revoked nothing')}` };
    },
  };
}

/**
 * The key shapes: the generated strategy makes the value and checks it (the pending keyset keeps
 * the key it replaces, the API key's checksum holds) before the rotator is asked anything; the
 * shape's builders (custom-shapes/) decide what the rotator receives.
 */
function keyShapes(invoker: CustomRotatorInvoker): RotationStrategy {
  const of = (ctx: RotationContext) => {
    const binding = requireCustomBinding(ctx);
    return { binding, ...customKeyShapes[binding.shape as keyof typeof customKeyShapes] };
  };
  return {
    name: 'custom',

    async create(ctx) {
      const { binding, generated } = of(ctx);
      await checkedFields(ctx, binding, 'current');
      return generated.create(ctx);
    },

    async set(ctx) {
      const { binding, shape } = of(ctx);
      const pending = await checkedFields(ctx, binding, 'pending');
      const current = await checkedFields(ctx, binding, 'current');
      await call(ctx, binding, invoker, { action: 'set', shape: shape.name, ...shape.set(ctx, pending, current) });
    },

    async test(ctx) {
      const { binding, shape, generated } = of(ctx);
      const pending = await checkedFields(ctx, binding, 'pending');
      await generated.test(ctx);
      await call(ctx, binding, invoker, { action: 'test', shape: shape.name, ...shape.test(ctx, pending) });
    },

    async revoke(ctx): Promise<RevokeOutcome> {
      const { binding, shape } = of(ctx);
      await checkedFields(ctx, binding, 'current');
      const { outcome, request } = await shape.revoke(ctx);
      if (!request) return outcome;
      // The rotator acts first: if it fails, the step fails and no replacement value is stored.
      const answer = await call(ctx, binding, invoker, { action: 'revoke', shape: shape.name, ...request });
      const atService = answer.detail ?? (answer.revoked ? 'revoked by the rotator' : 'the rotator revoked nothing');
      return {
        revoked: answer.revoked === true,
        detail: outcome.detail ? `${outcome.detail}; at the service: ${atService}` : `secret ${ctx.name}: ${atService}`,
        ...(outcome.replacementValue !== undefined && { replacementValue: outcome.replacementValue }),
      };
    },
  };
}

/** A value's fields after the binding's checks: the bound function only, the bound shape only. */
async function checkedFields(ctx: RotationContext, binding: CustomBinding, label: 'current' | 'pending'): Promise<SecretObject> {
  const fields = parseSecretObject(label === 'pending' ? await ctx.pending() : await ctx.current(), ctx.name, label);
  checkCustomValue(ctx, binding, fields, label);
  return fields;
}

async function credential(ctx: RotationContext, binding: CustomBinding, label: ValueLabel, value?: string): Promise<RotatorCredential> {
  const text = value ?? (label === 'pending' ? await ctx.pending() : await ctx.current());
  const { fields } = readSecretDocument(text, ctx.name, label);
  const username = checkCustomValue(ctx, binding, fields, label)!;
  const password = optionalStringField(fields, 'password', { secretName: ctx.name, label });
  if (password === undefined || password === '') throw secretFormatError(ctx.name, label, 'has no field "password"');
  return { username, password };
}

function call(ctx: RotationContext, binding: CustomBinding, invoker: CustomRotatorInvoker, request: CustomRotatorRequest): Promise<RotatorAnswer> {
  return callRotator(invoker, { secretName: ctx.name, secretArn: ctx.arn, functionArn: binding.functionArn, timeoutMs: customRotatorTimeoutMs() }, request);
}
