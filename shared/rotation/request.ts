import { InvalidRequestError } from '../errors';

/** Secrets Manager's four rotation steps, in the order the service runs them. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** One rotation step as Secrets Manager asks for it. */
export interface RotationRequest {
  step: RotationStep;
  secretId: string;
  token: string;
  /**
   * Secrets Manager's RotationToken: sent with every rotation it starts, needed on PutSecretValue
   * when the function reaches the secret through an assumed role (another account). A credential
   * of the rotation's own: never logged, never in a finding.
   */
  rotationToken?: string;
}

const SNAKE_SPELLINGS: Record<string, RotationStep> = {
  create_secret: 'createSecret',
  set_secret: 'setSecret',
  test_secret: 'testSecret',
  finish_secret: 'finishSecret',
};

/**
 * Reads a rotation event. Accepts both spellings of a step (`createSecret`, `create_secret`),
 * because the service documentation and older templates use both; refuses anything else with
 * a message naming the field.
 */
export function parseRotationEvent(event: unknown): RotationRequest {
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidRequestError('rotation event must be a JSON object with Step, SecretId and ClientRequestToken');
  }
  const fields = event as Record<string, unknown>;
  const step = parseStep(fields.Step);
  const secretId = requireString(fields, 'SecretId');
  const token = requireString(fields, 'ClientRequestToken');
  const rotationToken = optionalString(fields, 'RotationToken');
  return rotationToken === undefined ? { step, secretId, token } : { step, secretId, token, rotationToken };
}

function parseStep(value: unknown): RotationStep {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRequestError('rotation event has no Step');
  }
  if ((ROTATION_STEPS as readonly string[]).includes(value)) return value as RotationStep;
  const snake = SNAKE_SPELLINGS[value];
  if (snake) return snake;
  throw new InvalidRequestError(
    `unknown rotation step "${value.slice(0, 40)}": expected one of ${ROTATION_STEPS.join(', ')}`,
  );
}

function requireString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidRequestError(`rotation event has no ${name}`);
  }
  if (value.length > 2048) throw new InvalidRequestError(`rotation event's ${name} is longer than 2048 characters`);
  return value;
}

/** An optional text field: absent or null is undefined; anything but text is refused. */
function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`rotation event's ${name} is not text`);
  if (value.length > 2048) throw new InvalidRequestError(`rotation event's ${name} is longer than 2048 characters`);
  return value;
}

/**
 * keywarden's own request to the rotate function, sent by the emergency function after a
 * rotation: revoke the credential that rotation `ClientRequestToken` replaced. Secrets Manager
 * never sends it; only roles allowed to invoke the function can.
 */
export const REVOKE_ACTION = 'revokePrevious';

/** What the rotate function is asked: a rotation step, or a revocation. */
export type RotateFunctionRequest = ({ kind: 'step' } & RotationRequest) | { kind: 'revoke'; secretId: string; token: string };

/** Reads an event for the rotate function: a rotation step, or `{"Action": "revokePrevious", ...}`. */
export function parseRotateFunctionEvent(event: unknown): RotateFunctionRequest {
  const action = event && typeof event === 'object' ? (event as Record<string, unknown>).Action : undefined;
  if (action === undefined) return { kind: 'step', ...parseRotationEvent(event) };
  if (action !== REVOKE_ACTION) throw new InvalidRequestError(`unknown Action "${String(action).slice(0, 40)}": expected ${REVOKE_ACTION}`);
  const fields = event as Record<string, unknown>;
  return { kind: 'revoke', secretId: requireString(fields, 'SecretId'), token: requireString(fields, 'ClientRequestToken') };
}
