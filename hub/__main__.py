"""``python -m hub`` is the ``kho`` command."""

from hub.cli import main

main()
