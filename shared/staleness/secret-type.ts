import type { SecretSummary } from './inventory';

/**
 * What kind of secret this is, which decides its default rotation policy. ListSecrets returns
 * no values, so the type comes from metadata only, never from the `engine` field of a value:
 * an explicit `keywarden:type` tag, the `keywarden:strategy` tag the rotate function uses, what
 * the service says (an RDS-owned secret, a database rotation function), and last the name.
 */

/** Secret types, each with its own default policy (see policies.ts). */
export const SECRET_TYPES = ['database', 'api-key', 'jwt-signing-key', 'encryption-key', 'password', 'generic'] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

/** Where a secret's type came from, most explicit first. */
export type TypeSource = 'tag' | 'strategy' | 'metadata' | 'name' | 'default';

/** The tag that states a secret's type outright. */
export const TYPE_TAG = 'keywarden:type';
/** The rotate function's strategy tag; its value implies the type. */
export const STRATEGY_TAG = 'keywarden:strategy';

/** Strategy names (and database engines) to the type of secret they rotate. */
const TYPE_BY_STRATEGY: Readonly<Record<string, SecretType>> = {
  postgres: 'database',
  postgresql: 'database',
  mysql: 'database',
  mariadb: 'database',
  redis: 'database',
  oracle: 'database',
  sqlserver: 'database',
  mongodb: 'database',
  password: 'password',
  'api-key': 'api-key',
  'jwt-keyset': 'jwt-signing-key',
  'encryption-keyring': 'encryption-key',
};

/** AWS's own database rotation functions are named after their engine. */
const DATABASE_ROTATION_FUNCTION = /rds|mysql|postgres|mariadb|oracle|sqlserver|redshift|documentdb|aurora/i;

/**
 * Name rules, first match wins. Database comes before password, so `orders/db-password` is a
 * database credential (its policy is the database one); JWT and encryption come first because
 * their names often also say "key".
 */
const NAME_RULES: ReadonlyArray<{ type: SecretType; words: ReadonlyArray<string | readonly string[]> }> = [
  { type: 'jwt-signing-key', words: ['jwt', 'jwks', ['signing', 'key'], ['signing', 'keys'], 'signingkey'] },
  { type: 'encryption-key', words: ['encryption', 'encrypt', 'keyring', 'kms', 'dek', 'aes', ['data', 'key'], 'datakey'] },
  {
    type: 'database',
    words: ['db', 'database', 'postgres', 'postgresql', 'pg', 'mysql', 'mariadb', 'aurora', 'rds', 'redis', 'mongo', 'mongodb', 'dsn'],
  },
  { type: 'api-key', words: [['api', 'key'], 'apikey', 'apikeys', 'token', ['access', 'key']] },
  { type: 'password', words: ['password', 'passwd', 'pwd', 'passphrase', 'credentials', 'credential'] },
];

/** A secret's type and where it came from. */
export interface DerivedType {
  type: SecretType;
  source: TypeSource;
}

/** Derives the type of a secret from its tags, its metadata and its name, in that order. */
export function deriveSecretType(secret: Pick<SecretSummary, 'name' | 'tags' | 'owningService' | 'rotationLambdaArn'>): DerivedType {
  const tagged = secret.tags[TYPE_TAG]?.trim().toLowerCase();
  if (tagged && isSecretType(tagged)) return { type: tagged, source: 'tag' };
  const strategy = secret.tags[STRATEGY_TAG]?.trim().toLowerCase();
  if (strategy && Object.hasOwn(TYPE_BY_STRATEGY, strategy)) return { type: TYPE_BY_STRATEGY[strategy]!, source: 'strategy' };
  if (secret.owningService === 'rds' || secret.name.startsWith('rds!')) return { type: 'database', source: 'metadata' };
  if (secret.rotationLambdaArn && DATABASE_ROTATION_FUNCTION.test(functionName(secret.rotationLambdaArn))) {
    return { type: 'database', source: 'metadata' };
  }
  const byName = typeFromName(secret.name);
  return byName ? { type: byName, source: 'name' } : { type: 'generic', source: 'default' };
}

/** Whether `value` is one of {@link SECRET_TYPES}. */
export function isSecretType(value: string): value is SecretType {
  return (SECRET_TYPES as readonly string[]).includes(value);
}

/** The type the words of a secret's name suggest, if any. */
export function typeFromName(name: string): SecretType | undefined {
  const words = name.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  for (const rule of NAME_RULES) {
    if (rule.words.some((word) => (typeof word === 'string' ? words.includes(word) : containsRun(words, word)))) return rule.type;
  }
  return undefined;
}

function containsRun(words: readonly string[], run: readonly string[]): boolean {
  for (let i = 0; i + run.length <= words.length; i += 1) {
    if (run.every((word, j) => words[i + j] === word)) return true;
  }
  return false;
}

function functionName(arn: string): string {
  return arn.split(':').at(6) ?? arn;
}
