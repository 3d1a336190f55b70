"""``python -m rlmigrate``: the same command line as the ``rlmigrate`` console script."""

import sys

from rlmigrate.cli import main

if __name__ == "__main__":
    sys.exit(main())
