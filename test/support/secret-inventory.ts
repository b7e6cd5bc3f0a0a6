import { CreateSecretCommand, ListSecretsCommand, RotateSecretCommand, type Tag } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../../shared/aws/clients';
import { removeTestVersion } from '../../shared/aws/rotation-requests';

/**
 * Filling the local AWS with secrets, for the staleness tests and the benchmark (no vitest
 * here, so bench/ can use it too).
 */

/** A day in milliseconds. */
export const DAY_MS = 86_400_000;

/** A secret to create: name, value, tags, and how to set its rotation up. */
export interface PlannedSecret {
  name: string;
  value?: string;
  tags?: Record<string, string>;
  /** `schedule`: rotation on every N days, no rotation now; `stuck`: a rotation staged and never finished. */
  rotation?: { kind: 'schedule'; days: number } | { kind: 'stuck' };
}

/**
 * Creates the secrets, `concurrency` calls at a time; returns the ARNs by name.
 *
 * moto's secret store is not thread-safe: every lookup walks all secrets while other request
 * threads may be adding one, and then that request fails with an HTML 500 ("dictionary changed
 * size during iteration") before it changed anything. Such a call is simply made again.
 */
export async function createSecrets(planned: readonly PlannedSecret[], concurrency = 6): Promise<Map<string, string>> {
  const arns = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < planned.length) {
      const secret = planned[next++]!;
      const tags: Tag[] = Object.entries(secret.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
      const out = await againOnMotoRace(() =>
        secretsManager().send(new CreateSecretCommand({ Name: secret.name, SecretString: secret.value ?? '{"owner":"keywarden-test"}', Tags: tags.length ? tags : undefined })),
      );
      arns.set(secret.name, out.ARN!);
      if (secret.rotation?.kind === 'schedule') {
        const days = secret.rotation.days;
        // RotateImmediately=false stages a test copy of AWSCURRENT for the function's testSecret;
        // the service removes it after the test (there is no function here), as removeTestVersion does.
        const started = await againOnMotoRace(() =>
          secretsManager().send(new RotateSecretCommand({ SecretId: out.ARN, RotationRules: { AutomaticallyAfterDays: days }, RotateImmediately: false })),
        );
        await againOnMotoRace(() => removeTestVersion(secretsManager(), out.ARN!, started.VersionId!));
      } else if (secret.rotation?.kind === 'stuck') {
        await againOnMotoRace(() => secretsManager().send(new RotateSecretCommand({ SecretId: out.ARN, RotateImmediately: true })));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return arns;
}

async function againOnMotoRace<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } }).$response?.statusCode;
      const raced = error instanceof SyntaxError || status === 500 || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 500;
      if (!raced || attempt >= 8) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/**
 * The latest date the local AWS stamped on any secret (creation, change, rotation): moto stamps
 * the real time and cannot be told otherwise, so tests set ages by running the scan at this
 * instant plus the age they want.
 */
export async function latestStamp(): Promise<Date> {
  let latest = 0;
  let token: string | undefined;
  do {
    const page = await secretsManager().send(new ListSecretsCommand({ MaxResults: 100, NextToken: token }));
    for (const s of page.SecretList ?? []) {
      for (const d of [s.CreatedDate, s.LastChangedDate, s.LastRotatedDate]) if (d) latest = Math.max(latest, d.getTime());
    }
    token = page.NextToken;
  } while (token);
  return new Date(latest);
}

