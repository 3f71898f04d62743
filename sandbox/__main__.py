"""``python -m sandbox``: the whole loop on this machine (see `sandbox.cli`)."""

import sys

from sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
