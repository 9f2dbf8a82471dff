"""The ``kho`` command line (hub/app/cli/root.py)."""
