"""The portal's limit on the size of one file, checked before anything is sent or written."""

from __future__ import annotations

from opendata.errors import PublishBlocked
from opendata.portal.port import PortalDataset


def check_resource_sizes(dataset: PortalDataset, max_bytes: int | None, portal: str) -> None:
    """Raise ``PublishBlocked`` naming the first file over ``max_bytes`` (None: no limit)."""
    if max_bytes is None:
        return
    for resource in dataset.resources:
        if len(resource.content) > max_bytes:
            raise PublishBlocked(
                f"tệp {resource.filename} nặng {_megabytes(len(resource.content))} MB, quá giới"
                f" hạn {_megabytes(max_bytes)} MB của {portal} (KHO_PORTAL_MAX_RESOURCE_MB)"
            )


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.2f}".rstrip("0").rstrip(".")
