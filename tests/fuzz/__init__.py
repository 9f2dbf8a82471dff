"""The HTTP API fuzzed from its own /openapi.json: every operation, as every kind of caller, on
the embedded defaults (tests/fuzz/test_fuzz_embedded.py) and on the real services
(tests/fuzz/test_fuzz_real.py). `make fuzz` runs both with many more examples."""
