"""``python -m smartcamrt_tools`` is the same as ``smartcamrt-tools``."""

import sys

from .cli import main

sys.exit(main())
