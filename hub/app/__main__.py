"""``python -m hub.app`` is the ``kho`` command."""

from hub.app.cli.root import main

main()
