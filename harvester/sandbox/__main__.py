"""``python -m harvester.sandbox``: run the sandbox gateway until killed (see :mod:`harvester.sandbox.cli`)."""

import sys

from .cli import main

sys.exit(main())
