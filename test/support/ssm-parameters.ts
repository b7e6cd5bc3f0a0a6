import { GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

// Parameter Store helpers shared by the SSM tests, against the test run's local AWS.
const ssm = new SSMClient({});

/** A SecureString API-key parameter `{apiKey, partner}` tagged for the api-key strategy. */
export async function putApiKeyParameter(name: string, apiKey: string): Promise<string> {
  await ssm.send(new PutParameterCommand({ Name: name, Value: JSON.stringify({ apiKey, partner: 'acme' }), Type: 'SecureString', Tags: [{ Key: 'keywarden:strategy', Value: 'api-key' }] }));
  return name;
}

/** Every version of a parameter with its labels (sorted), oldest first; never a value. */
export async function parameterHistory(name: string): Promise<Array<{ version: number; labels: string[] }>> {
  const out = await ssm.send(new GetParameterHistoryCommand({ Name: name, WithDecryption: false }));
  return (out.Parameters ?? []).map((p) => ({ version: p.Version!, labels: [...(p.Labels ?? [])].sort() }));
}
