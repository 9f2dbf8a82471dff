"""Every registry subject the catalogue implies: each dataset's value schema under
``<topic>-value``, and, for each dataset with a masked projection, the masked schema under
``<topic>.masked-value``, derived as the masking worker derives it (``masked_schema``).

The hub registers them all when it starts (``hub.registry.ensure``), so that a consumer can
fetch any of them before the first record is written or masked.
"""

from __future__ import annotations

from hub.catalogue.loader import LoadedCatalogue
from hub.registry.port import Subject, subject_for_topic
from hub.sharing.masked_records import maskable
from hub.sharing.masking import masked_schema, masked_schema_text


def catalogue_subjects(catalogue: LoadedCatalogue) -> dict[Subject, str]:
    """Each subject and the schema text registered under it, in catalogue order."""
    subjects: dict[Subject, str] = {}
    for entry in catalogue.catalogue.datasets:
        schema = catalogue.schema(entry.id)
        subjects[subject_for_topic(entry.topic)] = schema.text
        if maskable(catalogue, entry):
            masked = masked_schema_text(masked_schema(entry, schema))
            subjects[subject_for_topic(entry.masked_topic)] = masked
    return subjects
