/**
 * What on-call does about each rotation refusal (the `rotation.*` rules of RotationRefusedError).
 * Each refusal means someone or something wrote a secret, a tag or a request that keywarden will
 * not act on; nothing was changed, and the rotation stays failed until a person looks.
 */
export const REFUSAL_RUNBOOKS: Readonly<Record<string, string>> = {
  'rotation.binding-violation':
    'keywarden refused to rotate because the secret disagrees with its binding (the administrator\'s record of the server, database, users and master it may touch), ' +
    'or has none. The evidence names the field. Nothing was changed on any server. Find who last wrote the secret or its tags (keywarden audit query --secret <name> --since 7d: PutSecretValue, TagResource): ' +
    'if it was not an administrator, treat the writer as compromised and rotate the secret as an emergency once its value is corrected. If the server or users really changed, ' +
    'an administrator re-binds it (keywarden bind <secret> ...). A secret with no binding is bound with keywarden bind <secret> --from-current, after checking what it prints.',
  'rotation.privileged-target':
    'keywarden refused to change a user that is the master, a superuser, or holds rights to manage other users: rotating it would hand those rights to whoever reads the secret. ' +
    'Nothing was changed. Check the binding and the server: the bound user must be an ordinary application user. Find who wrote the secret (keywarden audit query --secret <name>).',
  'rotation.untrusted-pending':
    'keywarden found an AWSPENDING value it did not create and refused to execute it with master rights. Nothing was changed. Someone wrote the pending version directly ' +
    '(PutSecretValue with VersionStages AWSPENDING): find who (keywarden audit query --secret <name>), treat that principal as suspect, then keywarden doctor --fix to discard the version and rotate again.',
  'rotation.unauthorized-revoke':
    'keywarden refused a request to revoke a previous credential that the emergency function did not ask for. Nothing was revoked. Find who invoked the rotate function (CloudTrail lambda:Invoke) ' +
    'and why; only keywarden emergency may revoke.',
  'rotation.iam-key-in-use':
    'keywarden deactivated the previous access key of an IAM user (one full rotation after it stopped being AWSCURRENT) but did not delete it: GetAccessKeyLastUsed shows a use within the ' +
    "binding's deleteUnusedAfterDays, so whoever used it (the service and region are in the evidence) was not reading the secret's AWSCURRENT key. The current key works and nothing else changed. " +
    'Find that client (CloudTrail: events with the key id as accessKeyId) and point it at the secret; the rotation succeeds once the key has been unused long enough. Never reactivate the key for it.',
  'rotation.cross-account-refused':
    'keywarden refused to rotate a secret in another account: no rotation role is configured for that account, the configured role is in a different account than the secret, ' +
    'or the invocation carried no valid RotationToken. Nothing was called in that account. The evidence names the field and the account. If the account is one keywarden should rotate in, ' +
    'an administrator adds its role (in that same account) to rotationAccountRoles and redeploys; otherwise find who pointed the secret\'s rotation at keywarden (CloudTrail RotateSecret in that account) ' +
    'or who invoked the rotate function by hand (CloudTrail lambda:Invoke).',
  'rotation.insecure-transport':
    'keywarden refused to send a credential over a connection that is not verified TLS (or to a server asking for a cleartext password on a plaintext connection). Nothing was sent. ' +
    'Check the server\'s TLS and the CA bundle; only an administrator may bind a loopback test server with --plaintext.',
};

/** For a `rotation.*` rule added later without a runbook of its own. */
export const DEFAULT_REFUSAL_RUNBOOK =
  'keywarden refused to act on this secret because what it read is not what an administrator bound or what keywarden wrote. Nothing was changed. ' +
  'Read the evidence, find who last wrote the secret (keywarden audit query --secret <name>), and correct the secret or its binding.';
