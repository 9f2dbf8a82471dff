"""The ACLs the catalogue calls for: a pure function of the loaded catalogue.

Each agency logs in to Kafka as ``User:<agency id>``. What it may read is not decided here: it
is the sharing policy's decision for that agency (``hub.sharing.policy.read_decision``, the one
the HTTP reads and the SSE stream serve), carried by the topic ``topic_for`` names:

- FULL (the owner, a grant with ``personal_data``): READ and DESCRIBE on ``<topic>``;
- MASKED (a grant without it): on ``<topic>.masked``, or on ``<topic>`` when the schema has no
  personal field (the masked projection is then the whole record, and no ``.masked`` is
  written);
- PUBLIC (an agency without a grant, on an open dataset or one with an ``open_projection``): on
  ``<topic>`` when the schema has no personal field; otherwise no ACL at all: the public
  projection is served over HTTP and on the open-data portal, and ``.masked`` holds linkable
  pseudonyms that no agency reads without a grant;
- a refusal (no grant and no public projection, another agency's restricted dataset): no ACL.

The owner may also WRITE and DESCRIBE its topic, and READ and DESCRIBE its masked projection
``<topic>.masked`` and its dead letters ``<topic>.dlq``. Every agency may READ consumer groups
whose names start with ``<agency id>.`` (PREFIXED). All bindings ALLOW, from any host. Admins
are not agencies on Kafka: the hub's super user administers the cluster.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.acl.model import (
    AclBinding,
    Operation,
    PatternType,
    ResourceType,
    agency_principal,
    allow,
    group_prefix,
)
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.sharing.policy import Reader, read_decision, topic_for

_READ = (Operation.READ, Operation.DESCRIBE)
_WRITE = (Operation.WRITE, Operation.DESCRIBE)


def desired_acls(loaded: LoadedCatalogue) -> frozenset[AclBinding]:
    """Every ACL the catalogue grants, and nothing else."""
    catalogue = loaded.catalogue
    agencies = [a.id for a in catalogue.agencies]
    bindings: set[AclBinding] = set()
    for agency in agencies:
        bindings.add(
            allow(
                agency_principal(agency),
                ResourceType.GROUP,
                group_prefix(agency),
                Operation.READ,
                PatternType.PREFIXED,
            )
        )
    for entry in catalogue.datasets:
        has_personal = bool(loaded.schemas[entry.id].personal_fields)
        bindings.update(_dataset_acls(entry, agencies, has_personal))
    return frozenset(bindings)


def managed_topics(loaded: LoadedCatalogue) -> frozenset[str]:
    """The topics whose ACLs the catalogue decides: each dataset's topic, masked and DLQ."""
    topics: set[str] = set()
    for entry in loaded.catalogue.datasets:
        topics.update((entry.topic, entry.masked_topic, entry.dlq_topic))
    return frozenset(topics)


def _dataset_acls(
    entry: DatasetEntry, agencies: list[str], has_personal: bool
) -> Iterator[AclBinding]:
    owner = agency_principal(entry.owner)
    yield from _topic(owner, entry.topic, _WRITE)
    for topic in (entry.masked_topic, entry.dlq_topic):
        yield from _topic(owner, topic, _READ)
    for agency in agencies:
        decision = read_decision(Reader(agency), entry)
        carrier = topic_for(decision, entry, has_personal_fields=has_personal)
        if isinstance(carrier, str):
            yield from _topic(agency_principal(agency), carrier, _READ)


def _topic(principal: str, topic: str, operations: tuple[Operation, ...]) -> Iterator[AclBinding]:
    for operation in operations:
        yield allow(principal, ResourceType.TOPIC, topic, operation)
