"""The shell: the composition root (wiring.py), the ``kho`` command line (cli/), the HTTP app
(api/) and the demo. The only package that knows every other one; nothing imports it."""
