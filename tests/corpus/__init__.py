"""The bad-input corpus (``data/``), sent through every write path: each input gets a clear 4xx
or a dead letter, none a traceback, none vanishes; ``tally`` counts what was tried."""
