"""Entry point: ``PYTHONPATH=tools/export /usr/bin/python3 -m audiomap_export export ...``."""

import sys

from .cli import main

sys.exit(main())
