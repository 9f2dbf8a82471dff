"""The sharing layer: what each agency sees of a dataset, and the keyed pseudonyms that let
masked projections still be joined."""

from hub.sharing.masking import Projection, Projector
from hub.sharing.pseudonym import Pseudonymiser, load_pseudonym_key

__all__ = ["Projection", "Projector", "Pseudonymiser", "load_pseudonym_key"]
