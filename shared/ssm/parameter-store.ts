/**
 * What parameter rotation needs of SSM Parameter Store; shared/aws/ssm-parameter-store.ts
 * implements it over the SDK. Values only ever pass through {@link ParameterStore.read} and
 * {@link ParameterStore.put}; everything else is metadata.
 */

/** A parameter's metadata (DescribeParameters and ListTagsForResource; no value). */
export interface ParameterFacts {
  name: string;
  /** `String`, `StringList` or `SecureString`. */
  type: string;
  /** The latest version. */
  version: number;
  keyId?: string;
  tags: Record<string, string>;
}

/** One version as GetParameterHistory lists it (without its value). */
export interface ParameterVersion {
  version: number;
  labels: string[];
  keyId?: string;
}

/** Parameter Store, as rotation uses it. */
export interface ParameterStore {
  /** The parameter's metadata, or undefined when there is no such parameter. */
  describe(name: string): Promise<ParameterFacts | undefined>;
  /** Every version, oldest first (GetParameterHistory, paged, without decryption). */
  history(name: string): Promise<ParameterVersion[]>;
  /** The decrypted value of one version (`name:version`). */
  read(name: string, version: number): Promise<string>;
  /** Writes a new SecureString version with `keyId` (PutParameter, Overwrite); returns its number. */
  put(name: string, value: string, keyId: string | undefined): Promise<number>;
  /** Moves `labels` onto `version` (LabelParameterVersion: a label is on one version at most). */
  label(name: string, version: number, labels: string[]): Promise<void>;
  /** Takes `labels` off `version` (UnlabelParameterVersion). */
  unlabel(name: string, version: number, labels: string[]): Promise<void>;
}
