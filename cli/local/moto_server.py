"""keywarden's local AWS: moto's server, patched where moto differs from AWS in what keywarden uses.

Usage: python moto_server.py --host 127.0.0.1 --port 5000   (the arguments of moto_server)

It refuses to start unless the installed moto is exactly the pinned one
(cli/local/moto-requirement.txt; moto_patches/version.py says why), then applies the patches,
one module per AWS service in moto_patches/ (secretsmanager, events, dynamodb, iam, sts; each
module's header says what moto lacks and what AWS does), and runs moto's own server. Every other
call is moto's own. test/integration/local-aws/moto-<service>.test.ts proves each patch.
"""

import sys

if __name__ == "__main__":
    # Python would otherwise write __pycache__ folders into the source tree beside the patches.
    sys.dont_write_bytecode = True

    from moto_patches.version import refuse_unless_pinned

    refuse_unless_pinned()

    from moto_patches import apply_all

    apply_all()

    from moto.server import main

    main(sys.argv[1:])
