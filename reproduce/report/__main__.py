"""``python -m reproduce.report``."""

import sys

from reproduce.report import main

sys.exit(main())
