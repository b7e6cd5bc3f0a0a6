"""keywarden's patches to moto, one module per AWS service, each applied by its `apply()`.

The service modules read moto's internals as they are in the pinned version, at import: so they
are imported only inside apply_all(), which the launcher calls after version.refuse_unless_pinned().
Importing this package (as `moto_patches.version` does) loads nothing of moto, so on another moto
the refusal, not a traceback, is what the user reads.
"""


def apply_all():
    """Applies every service's patches to the moto this process will serve."""
    from . import dynamodb, events, iam, secretsmanager, sts

    for service in (secretsmanager, events, dynamodb, iam, sts):
        service.apply()
