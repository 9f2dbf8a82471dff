"""The sharing layer: what each agency sees of a dataset (``policy``: the one rule for HTTP,
the SSE stream and Kafka ACLs), and the keyed pseudonyms that let masked projections still be
joined; the masking worker that writes ``<topic>.masked``, and its lag.

Its names are imported on first use (``lazy_loader.attach``): the catalogue's registry subjects
(``hub.sharing.catalogue_subjects``, which every hub builds) do not import the masking worker
and its metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from hub.sharing.mask_lag import DatasetLag, PartitionLag, read_masking_lag
    from hub.sharing.masked_worker import MaskingCounts, MaskingRun, MaskingWorker
    from hub.sharing.masking import Projection, Projector
    from hub.sharing.pseudonym import Pseudonymiser, load_pseudonym_key

__all__ = [
    "DatasetLag",
    "MaskingCounts",
    "MaskingRun",
    "MaskingWorker",
    "PartitionLag",
    "Projection",
    "Projector",
    "Pseudonymiser",
    "load_pseudonym_key",
    "read_masking_lag",
]

__getattr__, __dir__, _ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "mask_lag": ["DatasetLag", "PartitionLag", "read_masking_lag"],
        "masked_worker": ["MaskingCounts", "MaskingRun", "MaskingWorker"],
        "masking": ["Projection", "Projector"],
        "pseudonym": ["Pseudonymiser", "load_pseudonym_key"],
    },
)
