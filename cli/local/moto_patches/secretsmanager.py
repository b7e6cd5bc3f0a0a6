"""Secrets Manager: rotation staged as AWS stages it, for a local driver that plays the service.

keywarden's local driver plays the Secrets Manager service's part itself: it calls RotateSecret
*without* a rotation Lambda ARN and then invokes the built rotate bundle step by step
(createSecret, setSecret, testSecret, finishSecret). For that, RotateSecret must leave the secret
exactly as AWS leaves it before it invokes the rotation function. moto does not; these patches
make it. Each is named here, in docs/local-aws.md and in the test that proves it
(test/integration/local-aws/moto-secretsmanager.test.ts).

- rotate without a function: moto promotes the new version to AWSCURRENT at once (its
  `elif secret.versions:` branch). AWS stages the ClientRequestToken as a new version labelled
  AWSPENDING with *no value* (moving AWSPENDING off any older version), leaves AWSCURRENT where
  it was, and only then invokes the rotation function. Patched to stage only.
- rotation in progress: moto refuses when AWSPENDING sits on the AWSCURRENT version (the
  finished state). AWS refuses the opposite case, AWSPENDING on a version that is not
  AWSCURRENT: "A previous rotation isn't complete." Patched to AWS's rule.
- rotation settings: moto marks rotation enabled only when AutomaticallyAfterDays > 0 and drops
  ScheduleExpression/Duration. AWS's RotateSecret always turns rotation on and keeps the rules.
  Patched; DescribeSecret returns the rules as given and omits an empty RotationLambdaARN.
  The RotateSecret response carries the new version's id (moto returns the current one).
  One deliberate leniency: AWS refuses RotateSecret on a secret that has no rotation function
  configured; locally no function is ever configured (the driver is the function), so a secret
  without one is accepted.
- configuration test (RotateImmediately=false): moto's own branch (with a Lambda ARN) stages the
  ClientRequestToken as an AWSPENDING version holding a *copy of the AWSCURRENT value*, invokes
  only testSecret, and then leaves the label there; "rotate without a function" would stage
  nothing at all. AWS "tests the rotation configuration by running the testSecret step of the
  Lambda rotation function. The test creates an AWSPENDING version of the secret and then
  removes it." Patched to stage the copy (superseding any older AWSPENDING label) and return its
  VersionId; the local driver plays the rest, invoking testSecret and then taking AWSPENDING off
  the version (shared/rotation/driver.ts playConfigurationTest). RotationRules with both
  AutomaticallyAfterDays and ScheduleExpression are refused, as AWS documents ("but not both").
- cancel rotation: moto refuses a secret with no Lambda ARN; every locally rotated secret has
  none. Patched to refuse only a secret whose rotation was never configured; it turns rotation
  off and, like AWS, leaves the staging labels alone.
- staged version filled once: moto lets any PutSecretValue overwrite a version labelled
  AWSPENDING, even one that already has a value. AWS fills a RotateSecret-staged (empty) version
  once; after that, the same token with the same value is a no-op and with another value is
  ResourceExistsException. Patched; labels given are attached to the version and moved off
  others (AWSCURRENT moves AWSPREVIOUS as usual).
- staged version has no value: GetSecretValue on it: moto already answers
  ResourceNotFoundException, but names the wrong label; patched to name the VersionId or stage
  asked for, as AWS does.
- moving a label: UpdateSecretVersionStage moves the AWSCURRENT label but not the secret's
  default version in moto, so a later GetSecretValue without VersionStage still returns the *old*
  value (the very call finishSecret's result is read with). It also attaches a label that is on
  another version without RemoveFromVersionId naming it (two versions both AWSPENDING), and can
  attach a label twice. AWS refuses the first with InvalidParameterException and never
  duplicates. Patched: same refusal, no duplicates, the default version follows AWSCURRENT.
- RotationToken (cross-account rotation): moto ignores PutSecretValue's RotationToken. AWS sends
  the rotation function a RotationToken with each rotation it starts, and checks it on
  PutSecretValue from a function that reaches the secret through an assumed role. The local
  driver plays the service, so it chooses the token and hands it to RotateSecret in the header
  x-keywarden-rotation-token; moto keeps it for the version RotateSecret staged. Patched: a
  PutSecretValue to that version by an assumed-role session must carry that token, and any
  PutSecretValue carrying a RotationToken must carry the one kept for its version, else
  AccessDeniedException and nothing is stored. Without the header nothing changes.
"""

import json
import time

from moto.core.exceptions import JsonRESTError
from moto.iam.models import iam_backends
from moto.secretsmanager import models
from moto.secretsmanager import responses as sm_responses
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceExistsException,
    ResourceNotFoundException,
    SecretNotFoundException,
)

Backend = models.SecretsManagerBackend
FakeSecret = models.FakeSecret
Responses = sm_responses.SecretsManagerResponse
_original_rotate = Backend.rotate_secret
_original_cancel = Backend.cancel_rotate_secret
_original_put = Backend.put_secret_value
_original_get = Backend.get_secret_value
_original_update_stage = Backend.update_secret_version_stage
_original_to_dict = FakeSecret.to_dict
_original_rotate_response = Responses.rotate_secret
_original_put_response = Responses.put_secret_value


def _has_value(version):
    return "secret_string" in version or "secret_binary" in version


def _primary(backend, secret_id):
    """The secret, with moto's own not-found/replica/deleted refusals."""
    if not backend._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = backend.secrets[secret_id]
    if isinstance(secret, models.ReplicaSecret):
        raise models.OperationNotPermittedOnReplica
    return secret


def rotate_secret(self, secret_id, client_request_token=None, rotation_lambda_arn=None,
                  rotation_rules=None, rotate_immediately=True):
    # Rotate without a function, rotation in progress, rotation settings. With a Lambda ARN,
    # moto invokes its own Lambda emulation: keep moto's behaviour.
    if rotation_lambda_arn:
        return _original_rotate(self, secret_id, client_request_token, rotation_lambda_arn,
                                rotation_rules, rotate_immediately)
    secret = _primary(self, secret_id)
    if secret.is_deleted():
        raise InvalidRequestException(
            "You can't perform this operation on the secret because it was marked for deletion.")
    rules = dict(rotation_rules or {})
    days = rules.get("AutomaticallyAfterDays")
    if days is not None and rules.get("ScheduleExpression"):
        raise InvalidParameterException(
            "You can set RotationRules.AutomaticallyAfterDays or RotationRules.ScheduleExpression, but not both.")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
    for version in secret.versions.values():
        stages = version["version_stages"]
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            raise InvalidRequestException(
                "A previous rotation isn't complete. That rotation will be reattempted.")
    token = self._from_client_request_token(client_request_token)
    if token in secret.versions:
        raise ResourceExistsException(
            f"You can't use ClientRequestToken {token} because that value is already in use "
            f"for a version of secret {secret.arn}.")
    if rotate_immediately:
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        secret.versions[token] = {
            "createdate": int(time.time()),
            "version_id": token,
            "version_stages": ["AWSPENDING"],
        }
    else:
        stage_configuration_test(secret, token)
    secret.rotation_requested = True
    secret.rotation_enabled = True
    if rules:
        secret.keywarden_rotation_rules = rules
        secret.auto_rotate_after_days = int(days or 0)
        if days:
            secret.next_rotation_date = int(time.time()) + int(days) * 86400
    if rotate_immediately:
        secret.last_rotation_date = int(time.time())
    return secret.to_short_dict(version_id=token)


def stage_configuration_test(secret, token):
    # Configuration test: the version RotateImmediately=false's testSecret runs on, a copy of
    # AWSCURRENT.
    current = secret.versions.get(secret.default_version_id or "")
    if current is None or not _has_value(current):
        raise InvalidRequestException("The secret has no AWSCURRENT value to test the rotation with.")
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    version = {"createdate": int(time.time()), "version_id": token, "version_stages": ["AWSPENDING"]}
    for field in ("secret_string", "secret_binary"):
        if field in current:
            version[field] = current[field]
    secret.versions[token] = version


def cancel_rotate_secret(self, secret_id):
    # Cancel rotation.
    secret = _primary(self, secret_id)
    if secret.rotation_lambda_arn:
        return _original_cancel(self, secret_id)
    if secret.is_deleted():
        raise InvalidRequestException(
            "You tried to perform the operation on a secret that's currently marked deleted.")
    if not secret.rotation_requested:
        raise InvalidRequestException(
            "You tried to cancel rotation on a secret that doesn't have rotation configured.")
    secret.rotation_enabled = False
    return secret.to_short_dict()


def put_secret_value(self, secret_id, secret_string, secret_binary, client_request_token,
                     version_stages):
    # Staged version filled once.
    secret = _primary(self, secret_id)
    version = secret.versions.get(client_request_token or "")
    if version is None:
        return _original_put(self, secret_id, secret_string, secret_binary,
                             client_request_token, version_stages)
    if _has_value(version):
        if (version.get("secret_string") == secret_string
                and version.get("secret_binary") == secret_binary):
            return secret.to_short_dict(include_version_stages=True, version_id=version["version_id"])
        raise ResourceExistsException(
            f"You can't use ClientRequestToken {client_request_token} because that value is "
            f"already in use for a version of secret {secret.arn}.")
    # A version staged by RotateSecret: fill it in and attach the labels asked for.
    if secret_string is not None:
        version["secret_string"] = secret_string
    if secret_binary is not None:
        version["secret_binary"] = secret_binary
    token = version["version_id"]
    stages = list(version_stages or ["AWSCURRENT"])
    if "AWSCURRENT" in stages and secret.default_version_id != token:
        for other in secret.versions.values():
            if "AWSPREVIOUS" in other["version_stages"]:
                other["version_stages"].remove("AWSPREVIOUS")
        old = secret.versions.get(secret.default_version_id or "")
        if old is not None:
            old["version_stages"] = [s for s in old["version_stages"] if s != "AWSCURRENT"]
            old["version_stages"].append("AWSPREVIOUS")
        secret.default_version_id = token
    for label in stages:
        for other_id, other in secret.versions.items():
            if other_id != token and label in other["version_stages"]:
                other["version_stages"].remove(label)
        if label not in version["version_stages"]:
            version["version_stages"].append(label)
    secret.last_changed_date = int(time.time())
    return secret.to_short_dict(include_version_stages=True, version_id=token)


def get_secret_value(self, secret_id, version_id, version_stage):
    # Staged version has no value.
    if self._is_valid_identifier(secret_id):
        secret = self.secrets[secret_id]
        chosen = version_id
        if not chosen and version_stage:
            chosen = next((vid for vid, v in secret.versions.items()
                           if version_stage in v["version_stages"]), None)
        version = secret.versions.get(chosen or "")
        mismatch = version is not None and version_stage and version_stage not in version["version_stages"]
        if version is not None and not _has_value(version) and not mismatch and not secret.is_deleted():
            what = f"VersionId: {version_id}" if version_id else f"staging label: {version_stage}"
            raise ResourceNotFoundException(f"Secrets Manager can't find the specified secret value for {what}")
    return _original_get(self, secret_id, version_id, version_stage)


def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id,
                                move_to_version_id):
    # Moving a label.
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    holder = next((vid for vid, v in secret.versions.items()
                   if version_stage in v["version_stages"]), None)
    if move_to_version_id and holder == move_to_version_id and not remove_from_version_id:
        return secret.arn, secret.name  # already there
    if (move_to_version_id and holder and holder != move_to_version_id
            and remove_from_version_id != holder):
        raise InvalidParameterException(
            f"The parameter RemoveFromVersionId can't be empty. Staging label {version_stage} is "
            f"currently attached to version {holder}, so you must explicitly reference that "
            "version in RemoveFromVersionId.")
    if move_to_version_id and move_to_version_id in secret.versions:
        # moto appends unconditionally; drop the label first so it is never there twice.
        stages = secret.versions[move_to_version_id]["version_stages"]
        if version_stage in stages and remove_from_version_id != move_to_version_id:
            stages.remove(version_stage)
    result = _original_update_stage(self, secret_id, version_stage, remove_from_version_id,
                                    move_to_version_id)
    current = next((vid for vid, v in secret.versions.items()
                    if "AWSCURRENT" in v["version_stages"]), None)
    if current:
        secret.default_version_id = current
    return result


def to_dict(self):
    # Rotation settings: DescribeSecret/ListSecrets: the rules as given; no empty RotationLambdaARN.
    out = _original_to_dict(self)
    if self.rotation_requested:
        rules = getattr(self, "keywarden_rotation_rules", None)
        if rules:
            out["RotationRules"] = rules
        elif not self.auto_rotate_after_days:
            out.pop("RotationRules", None)  # none given: AWS shows none, not {"...Days": 0}
        if not self.rotation_lambda_arn:
            out.pop("RotationLambdaARN", None)
    return out


# RotationToken: the token the local driver chose, per (account, secret ARN, staged version).
_rotation_tokens = {}


def rotate_secret_response(self):
    # RotationToken: the token the local driver chose, kept for the version this rotation staged.
    out = _original_rotate_response(self)
    token = self.headers.get("x-keywarden-rotation-token")
    if token:
        body = json.loads(out)
        _rotation_tokens[(self.current_account, body.get("ARN"), body.get("VersionId"))] = token
    return out


def _assumed_role_caller(response):
    key = iam_backends[response.current_account]["aws"].access_keys.get(response.get_access_key())
    return key is not None and bool(getattr(key, "role_arn", None))


def put_secret_value_response(self):
    # RotationToken.
    given = self._get_param("RotationToken")
    secret_id = self._get_param("SecretId", if_none="")
    version = self._get_param("ClientRequestToken")
    arn = self.backend.secrets[secret_id].arn if self.backend._is_valid_identifier(secret_id) else None
    expected = _rotation_tokens.get((self.current_account, arn, version))
    needed = expected is not None and _assumed_role_caller(self)
    if (needed or given is not None) and (given is None or given != expected):
        raise JsonRESTError("AccessDeniedException",
                            "The RotationToken is missing or is not the one of this rotation.")
    return _original_put_response(self)


def apply():
    """Replaces moto's Secrets Manager methods with the patched ones above."""
    Backend.rotate_secret = rotate_secret
    Backend.cancel_rotate_secret = cancel_rotate_secret
    Backend.put_secret_value = put_secret_value
    Backend.get_secret_value = get_secret_value
    Backend.update_secret_version_stage = update_secret_version_stage
    FakeSecret.to_dict = to_dict
    Responses.rotate_secret = rotate_secret_response
    Responses.put_secret_value = put_secret_value_response
