"""A changed publication (its topic, spec or catalogue entry not as at its last publish, or
``--full``), once materialised from its topic: checked for k-anonymity, written as files,
described in DCAT-AP, and made to match on the portal; then its state, its inputs and the
audit entry are recorded.

The publisher imports this module only when a publication changed: an unchanged run has no
use for the files, DCAT (rdflib) or the metrics it needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.metrics import RECORDS_OUT, timed_publication
from opendata.anonymity import require_k_anonymity
from opendata.materialise import Materialised
from opendata.portal.port import OpenDataPortal, PortalPlan, PublishOutcome
from opendata.portal_dataset import build_portal_dataset, content_digest, publication_files
from opendata.portal_name import portal_name
from opendata.publish_audit import audit_publish
from opendata.publish_inputs import PublishInputs
from opendata.publish_policy import PublishPolicy
from opendata.publish_result import PublishResult
from opendata.specs import PublicationSpec
from opendata.state import PublicationStates
from opendata.table import Table


class ChangedPublication:
    def __init__(
        self,
        *,
        catalogue: LoadedCatalogue,
        portal: OpenDataPortal,
        states: PublicationStates,
        audit: AuditLog,
        policy: PublishPolicy,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._catalogue = catalogue
        self._portal = portal
        self._states = states
        self._inputs = states.inputs
        self._audit = audit
        self._policy = policy
        self._clock = clock

    def publish(
        self,
        spec: PublicationSpec,
        entry: DatasetEntry,
        materialised: Materialised,
        inputs: PublishInputs,
        actor: Actor,
        *,
        plan: bool,
    ) -> PublishResult:
        """Publish the materialised table (or, with ``plan``, say what publishing it would do
        to the portal, changing nothing and auditing nothing)."""
        table = materialised.table
        if spec.quasi_identifiers:
            require_k_anonymity(table, spec.quasi_identifiers, spec.k)
        name = portal_name(spec.id)
        files = publication_files(name, table)
        digest = content_digest(files)
        previous = self._states.get(spec.id)
        now = self._clock()
        unchanged = previous is not None and previous.content_digest == digest
        modified = previous.modified_at if unchanged and previous else now
        dataset, description = build_portal_dataset(
            spec,
            self._catalogue.catalogue,
            self._portal,
            name,
            files,
            materialised.coverage,
            modified,
            table,
        )
        if plan:
            planned = self._policy.retrying(lambda: self._portal.plan(dataset))
            return _planned(spec, planned, table)
        with timed_publication(entry.id) as outcomes:
            outcome = self._policy.retrying(lambda: self._portal.publish(dataset))
            outcomes.append(outcome.action)
        RECORDS_OUT.labels(dataset=entry.id, sink="portal").inc(len(table.rows))
        self._states.record_published(description, digest, inputs.topic_offsets, now)
        hashes = {f.filename: f.sha256 for f in files}
        self._inputs.record(
            spec.id,
            inputs,
            content_digest=digest,
            rows=len(table.rows),
            location=outcome.location,
            files=hashes,
        )
        audit_publish(
            self._audit,
            actor,
            spec,
            entry.id,
            outcome=outcome.action,
            rows=len(table.rows),
            content_digest=digest,
            files=hashes,
            uploaded=outcome.uploaded,
            location=outcome.location,
            suppressed_groups=table.suppressed_groups,
        )
        return _done(spec, outcome, len(table.rows))


def _planned(spec: PublicationSpec, planned: PortalPlan, table: Table) -> PublishResult:
    return PublishResult.of(
        spec, "planned", action=planned.action, rows=len(table.rows), uploads=planned.uploads
    )


def _done(spec: PublicationSpec, outcome: PublishOutcome, rows: int) -> PublishResult:
    return PublishResult.of(
        spec,
        "published",
        action=outcome.action,
        rows=rows,
        location=outcome.location,
        uploads=outcome.uploaded,
    )
