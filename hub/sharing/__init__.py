"""The sharing layer: what each agency sees of a dataset (``policy``: the one rule for HTTP,
the SSE stream and Kafka ACLs), and the keyed pseudonyms that let masked projections still be
joined; the masking worker that writes ``<topic>.masked``, and its lag.

Its names are imported on first use (hub.lazy_names): the catalogue's registry subjects
(``hub.sharing.catalogue_subjects``, which every hub builds) do not import the masking worker
and its metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.lazy_names import lazy_names

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

__getattr__ = lazy_names(
    __name__,
    {
        "DatasetLag": "hub.sharing.mask_lag",
        "PartitionLag": "hub.sharing.mask_lag",
        "read_masking_lag": "hub.sharing.mask_lag",
        "MaskingCounts": "hub.sharing.masked_worker",
        "MaskingRun": "hub.sharing.masked_worker",
        "MaskingWorker": "hub.sharing.masked_worker",
        "Projection": "hub.sharing.masking",
        "Projector": "hub.sharing.masking",
        "Pseudonymiser": "hub.sharing.pseudonym",
        "load_pseudonym_key": "hub.sharing.pseudonym",
    },
)
