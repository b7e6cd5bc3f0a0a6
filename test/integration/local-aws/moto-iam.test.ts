import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, stopServer, type ServerState } from '../../../cli/local/server';
import { ensureVenv } from '../../../cli/local/venv';
import { clientConfig, whoIs, type KeyPair } from '../../support/iam-auth-aws';

// The IAM patch (cli/local/moto_patches/iam.py), on a moto of this file's own that enforces IAM
// authentication (the shared test moto accepts any key): a request signed with an inactive access
// key is refused with InvalidClientTokenId, as AWS refuses it. moto accepted it. Fails on moto
// without the patch.
let server: ServerState;
let logDir: string;

beforeAll(async () => {
  const venv = await ensureVenv();
  logDir = mkdtempSync(join(tmpdir(), 'kw-moto-iam-'));
  server = await startServer({ python: venv.python, logFile: join(logDir, 'moto.log'), detached: false });
});

afterAll(async () => {
  if (server) await stopServer(server.pid);
  rmSync(logDir, { recursive: true, force: true });
});

async function keyOf(iam: IAMClient, user: string): Promise<KeyPair> {
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

describe('moto IAM patch (cli/local/moto_patches/iam.py)', () => {
  it('inactive access key: a request signed with it is InvalidClientTokenId (moto accepted it); the same user\'s active key works', async () => {
    // Set up before authentication is on (moto's INITIAL_NO_AUTH_ACTION_COUNT is unlimited by default).
    const iam = new IAMClient(clientConfig(server.endpoint, { accessKeyId: 'setup', secretAccessKey: 'setup' }));
    await iam.send(new CreateUserCommand({ UserName: 'kw-moto-iam' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'kw-moto-iam', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    const inactive = await keyOf(iam, 'kw-moto-iam');
    const active = await keyOf(iam, 'kw-moto-iam');
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'kw-moto-iam', AccessKeyId: inactive.accessKeyId, Status: 'Inactive' }));
    const on = await fetch(`${server.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    expect(on.ok).toBe(true);

    expect(await whoIs(server, active)).toBe('arn:aws:iam::123456789012:user/kw-moto-iam');
    expect(await whoIs(server, inactive)).toBe('refused: InvalidClientTokenId');
    expect(await whoIs(server, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' })).toBe('refused: InvalidClientTokenId');
  });
});
