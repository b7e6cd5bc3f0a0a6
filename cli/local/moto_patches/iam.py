"""IAM authentication: an inactive access key is refused, as AWS refuses it.

Only where a server enforces authentication (INITIAL_NO_AUTH_ACTION_COUNT, or
POST /moto-api/reset-auth as the IAM access key tests do): moto accepts a request signed with a
user's access key whatever the key's status. AWS refuses an Inactive key (InvalidClientTokenId),
as it refuses a deleted one. Patched to refuse an inactive key the same way as an unknown one.
Proved by test/integration/local-aws/moto-iam.test.ts.
"""

from moto.iam import access_control as iam_access_control

_original_user_access_key_init = iam_access_control.IAMUserAccessKey.__init__


def user_access_key_init(self, account_id, partition, access_key_id, headers):
    # An inactive key is refused.
    _original_user_access_key_init(self, account_id, partition, access_key_id, headers)
    key = self.backend.access_keys.get(access_key_id)
    if key is not None and key.status != "Active":
        raise iam_access_control.CreateAccessKeyFailure(reason="InvalidId")


def apply():
    """Replaces moto's access key check with the patched one above."""
    iam_access_control.IAMUserAccessKey.__init__ = user_access_key_init
