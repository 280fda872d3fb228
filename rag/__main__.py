"""``python -m rag``: see ``rag.cli``."""

import sys

from rag.cli import main

sys.exit(main())
