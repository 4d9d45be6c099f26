"""The ``derive`` command's entry point, light enough to catch Ctrl-C while the rest loads.

Importing SymPy and click takes a second or more; Ctrl-C then, as at any later moment, is
"derive: aborted" and exit 130 (128 + SIGINT, as shells report it), never a traceback.
"""

from __future__ import annotations

import sys

ABORTED = 130


def main() -> None:
    try:
        try:
            from derive.cli import main as run  # where the wheel puts cli.py
        except ModuleNotFoundError as missing:
            if missing.name != "derive.cli":
                raise
            from cli import main as run  # an editable install runs cli.py from the repository

        run()
    except KeyboardInterrupt:
        aborted()


def aborted() -> None:
    sys.stderr.write("derive: aborted\n")
    sys.stderr.flush()
    sys.exit(ABORTED)
