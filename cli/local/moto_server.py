"""keywarden's local AWS: moto's server, with rotation staged and events delivered as AWS does.

Usage: python moto_server.py --host 127.0.0.1 --port 5000   (the arguments of moto_server)

keywarden's local driver plays the Secrets Manager service's part itself: it calls RotateSecret
*without* a rotation Lambda ARN and then invokes the built rotate bundle step by step
(createSecret, setSecret, testSecret, finishSecret). For that, RotateSecret must leave the secret
exactly as AWS leaves it before it invokes the rotation function. moto 5.2.5 does not, so this
launcher patches moto.secretsmanager.models (1-7) before starting the server; and since findings
travel EventBridge -> SQS locally too, one gap in moto.events.models (8):

1. rotate_secret without a Lambda ARN: moto promotes the new version to AWSCURRENT at once
   (its `elif secret.versions:` branch). AWS stages the ClientRequestToken as a new version
   labelled AWSPENDING with *no value* (moving AWSPENDING off any older version), leaves
   AWSCURRENT where it was, and only then invokes the rotation function. Patched to stage only.
   With RotateImmediately=false AWS does not rotate: it "tests the rotation configuration by
   running the testSecret step of the Lambda rotation function. The test creates an AWSPENDING
   version of the secret and then removes it." Patched (13).
2. The "rotation still in progress" check: moto refuses when AWSPENDING sits on the AWSCURRENT
   version (the finished state). AWS refuses the opposite case, AWSPENDING on a version that is
   not AWSCURRENT: "A previous rotation isn't complete." Patched to AWS's rule.
3. Rotation settings: moto marks rotation enabled only when AutomaticallyAfterDays > 0 and drops
   ScheduleExpression/Duration. AWS's RotateSecret always turns rotation on and keeps the rules.
   Patched; DescribeSecret returns the rules as given and omits an empty RotationLambdaARN.
   One deliberate leniency: AWS refuses RotateSecret on a secret that has no rotation function
   configured; locally no function is ever configured (the driver is the function), so a secret
   without one is accepted.
   The RotateSecret response carries the new version's id (moto returns the current one).
4. cancel_rotate_secret: moto refuses a secret with no Lambda ARN; with (1) every locally rotated
   secret has none. Patched to refuse only a secret whose rotation was never configured; it
   turns rotation off and, like AWS, leaves the staging labels alone.
5. put_secret_value: moto lets any PutSecretValue overwrite a version labelled AWSPENDING, even
   one that already has a value. AWS fills a RotateSecret-staged (empty) version once; after
   that, the same token with the same value is a no-op and with another value is
   ResourceExistsException. Patched; labels given are attached to the version and moved off
   others (AWSCURRENT moves AWSPREVIOUS as usual).
6. get_secret_value on a staged empty version: moto already answers ResourceNotFoundException,
   but names the wrong label; patched to name the VersionId or stage asked for, as AWS does.
7. update_secret_version_stage: moto moves the AWSCURRENT label but not the secret's default
   version, so a later GetSecretValue without VersionStage still returns the *old* value (the
   very call finishSecret's result is read with). It also attaches a label that is on another
   version without RemoveFromVersionId naming it (two versions both AWSPENDING), and can attach
   a label twice. AWS refuses the first with InvalidParameterException and never duplicates.
   Patched: same refusal, no duplicates, the default version follows AWSCURRENT.
8. EventBridge targets: moto applies a target's InputTransformer but ignores Input (a constant
   JSON text) and InputPath (a JSONPath into the event), so an SQS target always receives the
   whole event. AWS sends exactly the Input, or the part InputPath selects. Patched by handing
   moto the equivalent InputTransformer. moto also turns a "time" field of what it sends to SQS
   into a date, and fails when that field is not a number, as it is in a transformed payload;
   patched to convert only the envelope's numeric time.

9. DynamoDB TransactWriteItems (speed only, same behaviour): to roll back a cancelled
   transaction moto deep-copies every table the transaction names, on every call, so a
   transaction on a table of 1,500 items takes half a second and the alert tests' thousand
   claims take minutes. Patched to save only the items the transaction touches and put those
   back when it is cancelled or fails; what succeeds, fails and is returned is unchanged.

10. EventBridge schedule rules: moto matches every event put on a bus against a rule that has a
   schedule and no event pattern (an empty pattern matches all), then fails the whole PutEvents
   on its Lambda target. AWS runs such a rule only on its schedule; no event matches it.
   Patched: a schedule rule without a pattern receives no events.

11. DynamoDB requests run one at a time. moto's server answers requests on threads, and a
   cancelled TransactWriteItems rolls back by restoring what it saved before it ran (whole
   tables in moto, the touched items with (9)), undoing any write another request made
   meanwhile; two batches racing over the same keys then lose items. DynamoDB itself is
   linearizable per item, so conditional writes from concurrent writers are tested as in AWS.

12. IAM authentication (only where a server enforces it: INITIAL_NO_AUTH_ACTION_COUNT or
   POST /moto-api/reset-auth): moto accepts a request signed with a user's access key whatever
   the key's status. AWS refuses an Inactive key (InvalidClientTokenId), as it refuses a deleted
   one. Patched to refuse an inactive key the same way as an unknown one.

13. RotateSecret with RotateImmediately=false (stage_configuration_test): moto's own branch (with
   a Lambda ARN) stages the ClientRequestToken as an AWSPENDING version holding a *copy of the
   AWSCURRENT value*, invokes only testSecret, and then leaves the label there; our patch (1)
   staged nothing at all. AWS creates the AWSPENDING version for the test and removes it after.
   Patched to stage the copy (superseding any older AWSPENDING label, as (1) does) and return
   its VersionId; the local driver plays the rest of the service's part, invoking testSecret and
   then taking AWSPENDING off the version (shared/rotation/driver.ts playConfigurationTest).
   RotationRules with both AutomaticallyAfterDays and ScheduleExpression are refused, as AWS
   documents ("but not both").
14. STS AssumeRole: moto hands out credentials for any role ARN, existing or not ("the role does
   not need to exist"), so an account whose role was never deployed, or a caller without the
   external id its trust policy demands, would look reachable. AWS refuses both with AccessDenied.
   Patched: the role must exist in its account's IAM, and when its trust policy names
   sts:ExternalId values (StringEquals), the request's ExternalId must be one of them. moto keeps
   deriving the account from the assumed credentials, so they act in the role's account.
15. RotationToken (cross-account rotation): moto ignores PutSecretValue's RotationToken. AWS
   sends the rotation function a RotationToken with each rotation it starts, and checks it on
   PutSecretValue from a function that reaches the secret through an assumed role. The local
   driver plays the service, so it chooses the token and hands it to RotateSecret in the header
   x-keywarden-rotation-token; moto keeps it for the version RotateSecret staged. Patched: a
   PutSecretValue to that version by an assumed-role session must carry that token, and any
   PutSecretValue carrying a RotationToken must carry the one kept for its version, else
   AccessDeniedException and nothing is stored. Without the header nothing changes.

Nothing else changes; every other call is moto's own.
"""

import copy
import json
import sys
import threading
import time

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.events import models as events_models
from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceExistsException,
    ResourceNotFoundException,
    SecretNotFoundException,
)

Backend = models.SecretsManagerBackend
FakeSecret = models.FakeSecret
_original_rotate = Backend.rotate_secret
_original_cancel = Backend.cancel_rotate_secret
_original_put = Backend.put_secret_value
_original_get = Backend.get_secret_value
_original_update_stage = Backend.update_secret_version_stage
_original_to_dict = FakeSecret.to_dict
_original_send_to_targets = events_models.Rule.send_to_targets
_original_send_to_sqs = events_models.Rule._send_to_sqs_queue


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
    # (1)-(3). With a Lambda ARN, moto invokes its own Lambda emulation: keep moto's behaviour.
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
    # (13) The version RotateImmediately=false's testSecret runs on: a copy of AWSCURRENT.
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
    # (4)
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
    # (5)
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
    # (6)
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
    # (7)
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
    # (3) DescribeSecret/ListSecrets: the rules as given; no empty RotationLambdaARN.
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


class _TimeIsData(dict):
    """A payload whose "time" is its own data: hidden from moto's envelope-time conversion."""

    def __contains__(self, key):
        return key != "time" and dict.__contains__(self, key)


def _as_transformer(target):
    if "InputTransformer" in target:
        return target
    if "Input" in target:  # the paths map must not be empty, or moto fills in its default one
        return {**target, "InputTransformer": {"InputTemplate": target["Input"],
                                               "InputPathsMap": {"keywarden_unused": "$.id"}}}
    if "InputPath" in target:
        return {**target, "InputTransformer": {"InputTemplate": "<keywarden_input>",
                                               "InputPathsMap": {"keywarden_input": target["InputPath"]}}}
    return target


def send_to_targets(self, original_event, transform_input=True):
    # (8)
    saved = self.targets
    self.targets = [_as_transformer(target) for target in saved]
    try:
        return _original_send_to_targets(self, original_event, transform_input)
    finally:
        self.targets = saved


def _send_to_sqs_queue(self, resource_id, event, group_id=None):
    # (8)
    if isinstance(event, dict) and not isinstance(event.get("time", 0), (int, float)):
        event = _TimeIsData(event)
    return _original_send_to_sqs(self, resource_id, event, group_id)


Backend.rotate_secret = rotate_secret
Backend.cancel_rotate_secret = cancel_rotate_secret
Backend.put_secret_value = put_secret_value
Backend.get_secret_value = get_secret_value
Backend.update_secret_version_stage = update_secret_version_stage
FakeSecret.to_dict = to_dict
events_models.Rule.send_to_targets = send_to_targets
events_models.Rule._send_to_sqs_queue = _send_to_sqs_queue

_patched_send_to_targets = events_models.Rule.send_to_targets


def send_to_targets_unless_scheduled(self, original_event, transform_input=True):
    # (10)
    if self.scheduled_expression and not self.event_pattern._pattern:
        return None
    return _patched_send_to_targets(self, original_event, transform_input)


events_models.Rule.send_to_targets = send_to_targets_unless_scheduled


_original_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


class _TablesNotCopied:
    """moto.dynamodb.models' `copy` during one transaction: a Table is not deep-copied."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        if isinstance(value, dynamodb_models.Table):
            return value
        return copy.deepcopy(value, memo)


def _touched_items(backend, transact_items):
    saved = []
    for entry in transact_items:
        try:
            _, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            if "Key" in op:
                key = op["Key"]
            else:
                attrs = op.get("Item", {})
                key = {k: attrs[k] for k in (table.hash_key_attr, table.range_key_attr) if k and k in attrs}
            saved.append((table, key, copy.deepcopy(backend.get_item(table.name, key))))
        except Exception:  # an invalid operation: moto's own code refuses it below
            continue
    return saved


def _put_back(table, key, item):
    if item is not None:
        if table.range_key_attr:
            table.items[item.hash_key][item.range_key] = item
        else:
            table.items[item.hash_key] = item
        return
    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr:
        table.items.get(hash_value, {}).pop(DynamoType(key[table.range_key_attr]), None)
    else:
        table.items.pop(hash_value, None)


def transact_write_items(self, transact_items):
    # (9)
    saved = _touched_items(self, transact_items)
    dynamodb_models.copy = _TablesNotCopied()
    try:
        return _original_transact_write_items(self, transact_items)
    except Exception:
        for table, key, item in reversed(saved):
            _put_back(table, key, item)
        raise
    finally:
        dynamodb_models.copy = copy


dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items

_dynamodb_calls = threading.Lock()
_original_dynamodb_call_action = dynamodb_responses.DynamoHandler.call_action


def dynamodb_call_action(self):
    # (11)
    with _dynamodb_calls:
        return _original_dynamodb_call_action(self)


dynamodb_responses.DynamoHandler.call_action = dynamodb_call_action

from moto.iam import access_control as iam_access_control

_original_user_access_key_init = iam_access_control.IAMUserAccessKey.__init__


def user_access_key_init(self, account_id, partition, access_key_id, headers):
    # (12)
    _original_user_access_key_init(self, account_id, partition, access_key_id, headers)
    key = self.backend.access_keys.get(access_key_id)
    if key is not None and key.status != "Active":
        raise iam_access_control.CreateAccessKeyFailure(reason="InvalidId")


iam_access_control.IAMUserAccessKey.__init__ = user_access_key_init

import json as _json

from moto.iam.models import iam_backends as _iam_backends
from moto.sts import models as sts_models
from moto.sts.exceptions import STSClientError

_original_assume_role = sts_models.STSBackend.assume_role


class _AssumeRoleDenied(STSClientError):
    def __init__(self, role_arn):
        super().__init__("AccessDenied", f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def _required_external_ids(policy_document):
    try:
        policy = _json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    except ValueError:
        return set()
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    wanted = set()
    for statement in statements:
        for operator, values in (statement.get("Condition") or {}).items():
            if operator != "StringEquals" or "sts:ExternalId" not in values:
                continue
            value = values["sts:ExternalId"]
            wanted.update(value if isinstance(value, list) else [value])
    return wanted


def assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id):
    # (14)
    parts = (role_arn or "").split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise _AssumeRoleDenied(role_arn)
    try:
        role = _iam_backends[parts[4]][parts[1]].get_role_by_arn(role_arn)
    except Exception:
        raise _AssumeRoleDenied(role_arn)
    wanted = _required_external_ids(role.assume_role_policy_document)
    if wanted and external_id not in wanted:
        raise _AssumeRoleDenied(role_arn)
    return _original_assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id)


sts_models.STSBackend.assume_role = assume_role
from moto.core.exceptions import JsonRESTError
from moto.iam.models import iam_backends
from moto.secretsmanager import responses as sm_responses

_rotation_tokens = {}
_original_rotate_response = sm_responses.SecretsManagerResponse.rotate_secret
_original_put_response = sm_responses.SecretsManagerResponse.put_secret_value


def rotate_secret_response(self):
    # (15) the token the local driver chose, kept for the version this rotation staged.
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
    # (15)
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


sm_responses.SecretsManagerResponse.rotate_secret = rotate_secret_response
sm_responses.SecretsManagerResponse.put_secret_value = put_secret_value_response

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
