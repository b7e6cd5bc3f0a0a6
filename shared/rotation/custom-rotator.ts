import { CustomRotatorError, SecretTestFailedError } from '../errors';
import { redact } from '../redact';
import { setting, wholeNumber } from '../settings/fields';
import { readSettings } from '../settings/read';

/**
 * The contract between keywarden and a custom rotator, version 1 (docs/custom-rotator.md). A
 * request carries only what its action needs; the answer is checked as input, since the function
 * is code keywarden does not own.
 */
export const CUSTOM_ROTATOR_CONTRACT = 'keywarden.custom-rotator/1';

/** The actions a rotator implements. */
export type CustomRotatorAction = 'set' | 'test' | 'revoke';

/** A credential as a rotator sees it (the password shape). */
export interface RotatorCredential {
  username: string;
  password: string;
}

/**
 * Each action's request: nothing more than the action needs. `shape` is the binding's; the
 * password shape's fields are those of version 1 before shapes existed, so a password rotator
 * written then still works. The key shapes' fields: docs/custom-rotator.md.
 */
export type CustomRotatorRequest =
  | { action: 'set'; shape: 'password'; pending: RotatorCredential; current: RotatorCredential }
  | { action: 'test'; shape: 'password'; pending: RotatorCredential }
  | { action: 'revoke'; shape: 'password'; previous: { username: string }; current: { username: string } }
  | { action: CustomRotatorAction; shape: 'api-key' | 'jwt-keyset' | 'encryption-keyring'; pending?: object; current?: object; previous?: object };

/** What the function's invocation came back as, before its payload is read. */
export type InvocationAnswer =
  | { kind: 'returned'; payload: string }
  | { kind: 'function-error'; errorType: string }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; code: string };

/** Invokes a Lambda function synchronously (adapter: shared/aws/lambda-custom-rotator.ts). */
export interface CustomRotatorInvoker {
  invoke(functionArn: string, payload: string, timeoutMs: number): Promise<InvocationAnswer>;
}

/** A successful answer: `revoked` only for revoke. */
export interface RotatorAnswer {
  detail?: string;
  revoked?: boolean;
}

/** Where a call went, for messages. */
export interface RotatorCall {
  secretName: string;
  secretArn: string;
  functionArn: string;
  timeoutMs: number;
}

/** The longest answer read; a rotator's answer is a few fields. */
const MAX_PAYLOAD_CHARS = 4096;
/** The longest text of a rotator's (redacted) words put into a message. */
const MAX_WORDS = 200;

/**
 * Sends one request and returns the function's answer; every other outcome is a
 * CustomRotatorError of its kind (a test the function answered `ok: false` is a
 * SecretTestFailedError, so Secrets Manager keeps AWSCURRENT where it is).
 */
export async function callRotator(invoker: CustomRotatorInvoker, call: RotatorCall, request: CustomRotatorRequest): Promise<RotatorAnswer> {
  const payload = JSON.stringify({ contract: CUSTOM_ROTATOR_CONTRACT, secretId: call.secretArn, ...request });
  const answer = await invoker.invoke(call.functionArn, payload, call.timeoutMs);
  const where = `secret ${call.secretName}: custom rotator ${call.functionArn} (${request.action}, ${request.shape})`;
  switch (answer.kind) {
    case 'timeout':
      throw new CustomRotatorError(`${where} did not answer within ${call.timeoutMs} ms (timeout); nothing is promoted`, 'timeout');
    case 'unreachable':
      throw new CustomRotatorError(
        `${where} could not be invoked (${words(answer.code)}); the rotate role may invoke only functions named keywarden-<stage>-rotator-* (unreachable)`,
        'unreachable',
      );
    case 'function-error':
      throw new CustomRotatorError(`${where} failed with ${words(answer.errorType)} (function error); its log says why`, 'function-error');
    case 'returned':
      return readAnswer(answer.payload, request.action, request.shape, where);
  }
}

/** The fields an answer may have. */
const ANSWER_FIELDS = new Set(['contract', 'ok', 'detail', 'reason', 'revoked', 'shape']);

function readAnswer(payload: string, action: CustomRotatorAction, shape: string, where: string): RotatorAnswer {
  const malformed = (problem: string) => new CustomRotatorError(`${where} answered ${problem} (malformed response)`, 'malformed-response');
  if (payload.length > MAX_PAYLOAD_CHARS) throw malformed(`with ${payload.length} characters, more than ${MAX_PAYLOAD_CHARS}`);
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    throw malformed('with something that is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw malformed('with JSON that is not an object');
  const fields = body as Record<string, unknown>;
  if (fields.contract !== CUSTOM_ROTATOR_CONTRACT) throw malformed(`without "contract": "${CUSTOM_ROTATOR_CONTRACT}"`);
  // An answer carries words and a verdict, never a value: a field keywarden does not read (a
  // credential echoed back, a key the rotator made itself) is refused, not ignored.
  const unread = Object.keys(fields).find((field) => !ANSWER_FIELDS.has(field));
  if (unread !== undefined) throw malformed(`with a field keywarden does not read ("${words(unread).slice(0, 40)}")`);
  if (fields.shape !== undefined && fields.shape !== shape) throw malformed(`for another shape than the bound ${shape}`);
  if (action !== 'revoke' && fields.revoked !== undefined) throw malformed(`"revoked" to ${action}`);
  if (fields.ok === false) {
    const reason = typeof fields.reason === 'string' ? words(fields.reason) : 'no reason given';
    if (action === 'test') throw new SecretTestFailedError(`${where}: the pending credential does not work: ${reason}`);
    throw new CustomRotatorError(`${where} refused: ${reason} (refused)`, 'refused');
  }
  if (fields.ok !== true) throw malformed('without "ok": true or false');
  if (fields.detail !== undefined && typeof fields.detail !== 'string') throw malformed('with a "detail" that is not a string');
  if (action === 'revoke' && typeof fields.revoked !== 'boolean') throw malformed('to revoke without "revoked": true or false');
  return {
    ...(typeof fields.detail === 'string' && { detail: words(fields.detail) }),
    ...(typeof fields.revoked === 'boolean' && { revoked: fields.revoked }),
  };
}

/** A rotator's own words, made safe for a message: one line, bounded, any known secret redacted. */
function words(text: string): string {
  const line = Array.from(redact(text), (char) => (char < ' ' || char === '\u007f' ? ' ' : char)).join('').trim();
  return line.length > MAX_WORDS ? `${line.slice(0, MAX_WORDS)}…` : line;
}

/** KEYWARDEN_CUSTOM_ROTATOR_TIMEOUT_MS: 1000 to 600000, default 20000. */
export function customRotatorTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return readSettings({ timeoutMs: setting('KEYWARDEN_CUSTOM_ROTATOR_TIMEOUT_MS', wholeNumber(1000, 600_000), DEFAULT_TIMEOUT_MS) }, env).timeoutMs;
}

/** Well inside the rotate function's 60 s timeout, so the step reports the rotator's timeout itself. */
const DEFAULT_TIMEOUT_MS = 20_000;
