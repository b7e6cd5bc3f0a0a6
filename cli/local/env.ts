/**
 * The environment that points any AWS tool (the SDKs, the AWS CLI, serverless) at the local
 * AWS. moto accepts any credentials; these dummy ones only keep real ones from being sent.
 */

/** The region the local AWS lives in. */
export const LOCAL_REGION = 'us-east-1';

/** Dummy credentials for the local AWS. */
export const LOCAL_ACCESS_KEY_ID = 'keywarden-local';
export const LOCAL_SECRET_ACCESS_KEY = 'keywarden-local-secret';

/** The variables, in the order `keywarden local env` prints them. */
export function localEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
  };
}

/**
 * Silences the AWS SDK for JavaScript's notice that it will need Node 22 from 2027 (printed once
 * per process on Node 20; the project targets Node 20 on purpose). The SDK reads exactly this
 * variable (`@aws-sdk/core`'s emitWarningIfUnsupportedVersion).
 */
export const SDK_NODE_WARNING_OFF = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } as const;

/** `export NAME=value` lines, quoted for a POSIX shell. */
export function exportLines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
