"""A dead letter's address in its DLQ topic: ``<partition>:<offset>``, stable for ever.

A bare offset is accepted when the DLQ has a single partition, where it cannot be ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.dlq.errors import BadAddressError

_ADDRESS = re.compile(r"^\s*(?:(\d+)\s*:\s*)?(\d+)\s*$")


@dataclass(frozen=True, order=True, slots=True)
class LetterAddress:
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.partition}:{self.offset}"

    @classmethod
    def parse(cls, text: str, partitions: int) -> LetterAddress:
        """Read ``3:17`` (or ``17`` when there is one partition) for a DLQ of ``partitions``."""
        match = _ADDRESS.match(text)
        if match is None:
            raise BadAddressError(
                f"Địa chỉ thư {text!r} không hợp lệ: cần dạng <phân vùng>:<offset>, ví dụ 0:12"
            )
        partition_text, offset_text = match.groups()
        if partition_text is None:
            if partitions > 1:
                raise BadAddressError(
                    f"Địa chỉ thư {text!r} chưa rõ: hàng thư chết có {partitions} phân vùng,"
                    f" hãy ghi <phân vùng>:<offset>, ví dụ 0:{offset_text}"
                )
            partition_text = "0"
        return cls(int(partition_text), int(offset_text))
