"""The ACLs the catalogue calls for: a pure function of the loaded catalogue.

Each agency logs in to Kafka as ``User:<agency id>``. For every dataset:

- the owner may WRITE and DESCRIBE its topic, and READ and DESCRIBE its topic, its masked
  projection ``<topic>.masked`` and its dead letters ``<topic>.dlq``;
- a consumer granted ``personal_data`` may READ and DESCRIBE the topic; any other consumer only
  the masked projection;
- an open dataset may be read by every agency: the topic when its schema has no personal field,
  else the masked projection;
- a restricted dataset has no consumers: its owner only.

Every agency may READ consumer groups whose names start with ``<agency id>.`` (PREFIXED). All
bindings ALLOW, from any host.
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
from hub.catalogue.models import Classification, DatasetEntry

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
    for topic in (entry.topic, entry.masked_topic, entry.dlq_topic):
        yield from _topic(owner, topic, _READ)
    if entry.classification is Classification.RESTRICTED:
        return
    for grant in entry.consumers:
        topic = entry.topic if grant.personal_data else entry.masked_topic
        yield from _topic(agency_principal(grant.agency), topic, _READ)
    if entry.classification is Classification.OPEN:
        topic = entry.masked_topic if has_personal else entry.topic
        for agency in agencies:
            if agency != entry.owner:
                yield from _topic(agency_principal(agency), topic, _READ)


def _topic(principal: str, topic: str, operations: tuple[Operation, ...]) -> Iterator[AclBinding]:
    for operation in operations:
        yield allow(principal, ResourceType.TOPIC, topic, operation)
