"""The sharing layer: what each agency sees of a dataset (``policy``: the one rule for HTTP,
the SSE stream and Kafka ACLs), and the keyed pseudonyms that let masked projections still be
joined; the masking worker that writes ``<topic>.masked``, and its lag."""

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
