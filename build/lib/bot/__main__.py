"""`python -m bot` is the same as the `loaphuong` command."""

import sys

from bot.cli import main

sys.exit(main())
