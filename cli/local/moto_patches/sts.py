"""STS AssumeRole: the role must exist, and its trust policy's external id must be given.

moto hands out credentials for any role ARN, existing or not ("the role does not need to
exist"), so an account whose role was never deployed, or a caller without the external id its
trust policy demands, would look reachable. AWS refuses both with AccessDenied. Patched: the role
must exist in its account's IAM, and when its trust policy names sts:ExternalId values
(StringEquals), the request's ExternalId must be one of them. moto keeps deriving the account
from the assumed credentials, so they act in the role's account.
Proved by test/integration/local-aws/moto-sts.test.ts.
"""

import json

from moto.iam.models import iam_backends
from moto.sts import models as sts_models
from moto.sts.exceptions import STSClientError

_original_assume_role = sts_models.STSBackend.assume_role


class _AssumeRoleDenied(STSClientError):
    def __init__(self, role_arn):
        super().__init__("AccessDenied", f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def _required_external_ids(policy_document):
    try:
        policy = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
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
    # The role must exist; its external id must be given.
    parts = (role_arn or "").split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise _AssumeRoleDenied(role_arn)
    try:
        role = iam_backends[parts[4]][parts[1]].get_role_by_arn(role_arn)
    except Exception:
        raise _AssumeRoleDenied(role_arn)
    wanted = _required_external_ids(role.assume_role_policy_document)
    if wanted and external_id not in wanted:
        raise _AssumeRoleDenied(role_arn)
    return _original_assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id)


def apply():
    """Replaces moto's AssumeRole with the patched one above."""
    sts_models.STSBackend.assume_role = assume_role
