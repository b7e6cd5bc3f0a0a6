import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ChannelConfigInput, ChannelConfigSource } from '../alerting/channel-config';
import { rememberSecret } from '../redact';
import { ConfigError, KeywardenError } from '../errors';

/** The channel configuration's text from its Secrets Manager secret (AWSCURRENT). */
export class SecretsManagerChannelConfigSource implements ChannelConfigSource {
  constructor(
    private readonly client: SecretsManagerClient,
    /** The secret's name (or ARN): `KEYWARDEN_ALERT_CHANNELS_SECRET`. */
    readonly name: string,
  ) {}

  async read(): Promise<string> {
    let out;
    try {
      out = await this.client.send(new GetSecretValueCommand({ SecretId: this.name }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ResourceNotFoundException') {
        throw new ConfigError(`the channel configuration secret ${this.name} does not exist: create it as docs/alerting.md shows`, { cause: error });
      }
      if (name === 'AccessDeniedException') throw new ConfigError(`the alert function may not read ${this.name}: check its role`, { cause: error });
      throw new KeywardenError(`reading the channel configuration secret ${this.name} failed: ${name}: ${(error as Error).message}`, { cause: error });
    }
    if (out.SecretString === undefined) throw new ConfigError(`the channel configuration secret ${this.name} holds no text (SecretString)`);
    return out.SecretString;
  }
}

/** Writes a channel configuration secret tagged for its stage, creating it when needed. */
export async function putChannelConfig(client: SecretsManagerClient, name: string, stage: string, config: ChannelConfigInput): Promise<void> {
  const text = JSON.stringify(config);
  rememberSecret(text);
  try {
    await client.send(new CreateSecretCommand({ Name: name, SecretString: text, Tags: [{ Key: 'keywarden:stage', Value: stage }] }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceExistsException') throw error;
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: text }));
  }
}
