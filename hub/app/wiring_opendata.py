"""The open-data publisher's parts, assembled from the hub's: the publication catalogue, the
stewards' approvals, the publisher and its watch (opendata).

``Hub`` takes these as its members, so ``hub.publications`` and ``hub.publisher(...)`` are
built here. opendata is imported only when a part is first built (it pulls in pyarrow): a
command that does not publish does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hub.db import create_tables

if TYPE_CHECKING:
    from hub.app.wiring import Hub
    from opendata.approvals import ApprovalStore
    from opendata.publisher import Publisher
    from opendata.specs import PublicationCatalogue
    from opendata.watch import PublishWatch


def load_publications(hub: Hub) -> PublicationCatalogue:
    """The open-data catalogue: what may be published from each dataset, and how."""
    from opendata.specs import load_publications as load

    return load(hub.settings.publications_path)


def open_approvals(hub: Hub) -> ApprovalStore:
    """Stewards' approvals of the publications: what besides open data may be published."""
    from opendata.approvals import ApprovalStore

    # opendata is imported lazily, so its table joined the metadata only now: create it if
    # build_hub's create_tables could not.
    create_tables(hub.engine)
    return ApprovalStore(hub.engine, hub.audit, hub.catalogue.catalogue, hub.publications)


def build_publisher(hub: Hub, on_lock_wait: Callable[[], None] = lambda: None) -> Publisher:
    """``on_lock_wait``: called when another publisher of this hub holds the lock."""
    from opendata.portal.factory import open_portal
    from opendata.publish_lock import publish_lock
    from opendata.publisher import Publisher, PublishPolicy
    from opendata.state import PublicationStates

    s = hub.settings
    portal = open_portal(
        s.portal_url, s.ckan_api_token, max_resource_bytes=s.portal_max_resource_mb * 2**20
    )
    create_tables(hub.engine)  # the publication state table, declared by opendata.state
    return Publisher(
        bus=hub.bus,
        decoder=hub.decoder,
        catalogue=hub.catalogue,
        publications=hub.publications,
        approvals=hub.approvals,
        portal=portal,
        states=PublicationStates(hub.engine),
        audit=hub.audit,
        policy=PublishPolicy(s.publish_withdraw, s.publish_retries, s.publish_backoff_s),
        lock=publish_lock(hub.engine, s.data_dir, on_lock_wait) if s.publish_lock else None,
    )


def build_publish_watch(hub: Hub) -> PublishWatch:
    """``kho publish --watch``: the publisher, republishing when a topic changes."""
    from opendata.state import PublicationStates
    from opendata.watch import PublishWatch

    return PublishWatch(
        hub.publisher(),
        PublicationStates(hub.engine),
        hub.catalogue.catalogue,
        hub.publications,
        hub.bus,
        continuous_interval_s=hub.settings.publish_continuous_interval_s,
    )
