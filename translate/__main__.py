"""``python -m translate``: the same as the ``el2en`` command."""

from translate.cli import main

main()
