"""``python -m derive``: the ``derive`` command."""

from derive.entry import main

main()
