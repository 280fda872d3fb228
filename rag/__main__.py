"""``python -m rag``: see ``rag.cli``."""

import sys

from .cli import main

sys.exit(main())
