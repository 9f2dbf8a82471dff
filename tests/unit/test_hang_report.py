"""The hang report's summary: each thread's innermost frames, pytest's machinery left out."""

from __future__ import annotations

from tests.hang_report import threads_in_short

DUMP = """Timeout (0:14:30)!
Thread 0x00007f01 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 331 in wait
  File "/venv/site-packages/kafka/future.py", line 80 in wait
  File "/repo/hub/bus/kafka.py", line 155 in publish
  File "/usr/lib/python3.11/threading.py", line 982 in run
  File "/usr/lib/python3.11/threading.py", line 1045 in _bootstrap_inner

Thread 0x00007f02 (most recent call first):
  File "/repo/tests/unit/hub/test_idempotency_crash.py", line 120 in _retry_until_answered
  File "/venv/site-packages/_pytest/python.py", line 166 in pytest_pyfunc_call
  File "/venv/site-packages/pluggy/_callers.py", line 103 in _multicall
  File "<frozen runpy>", line 88 in _run_code
"""


def test_the_summary_keeps_each_threads_own_frames_and_drops_the_machinery() -> None:
    short = threads_in_short(DUMP)
    assert "kafka/future.py" in short and "hub/bus/kafka.py" in short
    assert 'threading.py", line 331 in wait' in short  # a wait says what the thread waits on
    assert "_bootstrap_inner" not in short and "_pytest" not in short and "pluggy" not in short
    assert "frozen runpy" not in short
    assert short.count("Thread 0x") == 2
    assert 'test_idempotency_crash.py", line 120' in short
