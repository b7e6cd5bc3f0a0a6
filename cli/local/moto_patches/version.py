"""The one moto version these patches are written for, and the refusal to run on any other.

Every patch replaces a moto method whose signature, fields and behaviour it knows from that one
version (cli/local/moto-requirement.txt, which cli/local/venv.ts installs). On another version a
patch could fail at its first call, or silently do something else, so the server does not start.
"""

import sys
from importlib import metadata
from pathlib import Path

REQUIREMENT_FILE = Path(__file__).resolve().parent.parent / "moto-requirement.txt"


def pinned_version():
    """The version in the pinned requirement ("moto[server]==5.2.5" gives "5.2.5")."""
    requirement = REQUIREMENT_FILE.read_text(encoding="utf-8").strip()
    _, separator, version = requirement.partition("==")
    if not separator or not version.strip():
        raise ValueError(f"{REQUIREMENT_FILE} must pin one version (moto[server]==X.Y.Z), not {requirement!r}")
    return version.strip()


def installed_version():
    """The version of moto this interpreter would import, or None when it has none."""
    try:
        return metadata.version("moto")
    except metadata.PackageNotFoundError:
        return None


def refusal(installed, pinned, environment, is_venv=True):
    """Why the server must not start with this moto, or None when it is the pinned one."""
    if installed == pinned:
        return None
    found = f"moto {installed} is installed" if installed else "moto is not installed"
    written_for = (f"but keywarden's patches (cli/local/moto_patches/) are written for moto {pinned} only "
                   "(pinned in cli/local/moto-requirement.txt).")
    if not is_venv:
        return (f"{found} in {environment}, {written_for} That Python is not keywarden's venv: start the "
                f"local AWS with `keywarden local up`, which creates .keywarden/venv with moto[server]=={pinned}.")
    return (f"{found} in {environment}, {written_for} Re-create the venv: delete {environment} and run "
            f"`keywarden local up` again, which installs moto[server]=={pinned}.")


def refuse_unless_pinned():
    """Exits with the refusal (status 1, message on stderr) unless the pinned moto is installed."""
    message = refusal(installed_version(), pinned_version(), sys.prefix, sys.prefix != sys.base_prefix)
    if message:
        sys.exit(f"keywarden: {message}")
