"""keywarden's patches to moto, one module per AWS service, each applied by its `apply()`.

Import this package only after version.refuse_unless_pinned(): the modules read moto's internals
as they are in the pinned version.
"""

from . import dynamodb, events, iam, secretsmanager, sts

SERVICES = (secretsmanager, events, dynamodb, iam, sts)


def apply_all():
    """Applies every service's patches to the moto this process will serve."""
    for service in SERVICES:
        service.apply()
