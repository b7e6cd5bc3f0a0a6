import { describe, expect, it } from 'vitest';
import { bindings, createSecret } from '../support/db-rotation';
import { uniqueSuffix } from '../support/db-services';
import { localAwsEnv } from '../support/local-aws';
import { runKeywarden } from '../support/run-cli';

/** `keywarden bind --custom-function`, as an administrator runs it against the local AWS. */
const cli = (...args: string[]) => runKeywarden(args, { ...process.env, ...localAwsEnv(), KEYWARDEN_STAGE: 'ci' });
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotator-rabbitmq';

describe('keywarden bind --custom-function', () => {
  it('binds a custom secret to its rotator and users, and lists it', async () => {
    const s = uniqueSuffix();
    const name = `broker/${s}`;
    const arn = await createSecret(name, { username: `kw_rmq_${s}`, password: 'Initial-pw-123' }, { 'keywarden:strategy': 'custom' });
    const bound = await cli('--json', 'bind', name, '--custom-function', FUNCTION_ARN, '--user', `kw_rmq_${s}`, '--alternating');
    expect(bound.code, bound.stderr).toBe(0);
    expect(JSON.parse(bound.stdout.trim())).toMatchObject({ secretArn: arn, engine: 'custom', functionArn: FUNCTION_ARN, mode: 'alternating-users', users: [`kw_rmq_${s}`, `kw_rmq_${s}_clone`], written: true });
    expect(await bindings().get(arn)).toEqual({ secretArn: arn, engine: 'custom', functionArn: FUNCTION_ARN, shape: 'password', mode: 'alternating-users', users: [`kw_rmq_${s}`, `kw_rmq_${s}_clone`] });
    const listed = await cli('bind', '--list');
    expect(listed.stdout).toContain(`${arn}: custom rotator ${FUNCTION_ARN}, alternating users kw_rmq_${s} and kw_rmq_${s}_clone`);
  });

  it('refuses a function name that is not a full ARN, database flags beside it, and a missing user, writing nothing', async () => {
    const s = uniqueSuffix();
    const name = `broker/${s}`;
    const arn = await createSecret(name, { username: `kw_rmq_${s}`, password: 'Initial-pw-123' }, { 'keywarden:strategy': 'custom' });
    const byName = await cli('bind', name, '--custom-function', 'keywarden-ci-rotator-rabbitmq', '--user', `kw_rmq_${s}`);
    expect(byName.code).toBe(2);
    expect(byName.stderr).toMatch(/functionArn that is not an unqualified Lambda function ARN/);
    const withHost = await cli('bind', name, '--custom-function', FUNCTION_ARN, '--user', `kw_rmq_${s}`, '--host', 'evil.example');
    expect(withHost.code).toBe(2);
    expect(withHost.stderr).toMatch(/--custom-function takes --shape, --user and --alternating only/);
    const noUser = await cli('bind', name, '--custom-function', FUNCTION_ARN);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toMatch(/needs --user/);
    expect(await bindings().get(arn)).toBeUndefined();
  });
});
