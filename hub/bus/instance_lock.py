"""One member per consumer group on the embedded bus.

The embedded bus (``hub.bus.embedded``) has no group coordinator: a consumer reads every
partition of its topics from the group's committed offsets. Two processes of the same group on
one SQLite file would read, and handle, the same records. So a worker on the embedded bus holds
an exclusive lock on ``<bus file>.<group>.lock`` beside the bus file (in the hub's data folder
by default) for as long as it runs; a second instance of the group is refused at once.

The lock is an OS file lock (``filelock``, ``flock`` on Unix): the kernel releases it when the
process exits, however it exits, kill -9 included. The lock file itself stays and means nothing
on its own. On Kafka no lock is taken: the group coordinator shares the partitions out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from hub.bus.errors import BusError


class GroupInstanceRunning(BusError):
    """Another process holds this consumer group on the embedded bus."""

    def __init__(self, group: str, lock_path: Path) -> None:
        self.group = group
        self.lock_path = lock_path
        super().__init__(
            f"Nhóm consumer {group} đang chạy trong một tiến trình khác trên bus nhúng"
            f" (khóa {lock_path}); bus nhúng chỉ cho một tiến trình mỗi nhóm, dùng Kafka để"
            " chạy nhiều tiến trình."
        )


def group_lock_path(bus_file: Path, group: str) -> Path:
    """The lock file of ``group`` on the embedded bus stored in ``bus_file``."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in group)
    return bus_file.with_name(f"{bus_file.name}.{safe}.lock")


@contextmanager
def sole_group_member(bus_file: Path, group: str) -> Iterator[Path]:
    """Hold the group's lock while the block runs; ``GroupInstanceRunning`` if it is held."""
    path = group_lock_path(bus_file, group)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(path, thread_local=False)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        raise GroupInstanceRunning(group, path) from None
    try:
        yield path
    finally:
        lock.release()
