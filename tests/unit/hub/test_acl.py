"""ACLs derived from the catalogue, the plan of a sync, and the sync itself on a fake cluster."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.acl import (
    AclBinding,
    Operation,
    PatternType,
    Permission,
    ResourceType,
    catalogue_scope,
    desired_acls,
    plan_changes,
    set_agency_password,
    sync_acls,
)
from hub.acl.model import allow
from hub.app.cli.acl import acl_app
from hub.avro.schema import load_schema
from hub.catalogue.loader import LoadedCatalogue, load_catalogue
from hub.catalogue.models import Catalogue
from hub.errors import ConfigurationError
from hub.sharing.masking import Projection
from hub.sharing.policy import ReadAccess, Reader, Refusal, read_decision, topic_for
from tests.paths import CATALOGUE_DIR, SCHEMAS_DIR

SCHEMAS = SCHEMAS_DIR
READ_DESCRIBE = {Operation.READ, Operation.DESCRIBE}


def repo_catalogue() -> LoadedCatalogue:
    return load_catalogue(CATALOGUE_DIR / "datasets.yaml", SCHEMAS)


def dataset(
    dataset_id: str,
    owner: str,
    classification: str,
    schema: str,
    consumers: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "id": dataset_id,
        "title": {"vi": "Bộ dữ liệu thử", "en": "Test dataset"},
        "description": {"vi": "Mô tả", "en": "Description"},
        "owner": owner,
        "sector": "test",
        "classification": classification,
        "topic": dataset_id,
        "schema": schema,
        "legal_basis": "Nghị định 47/2020/NĐ-CP",
        "retention": "P1Y",
        "consumers": list(consumers),
    }


def crafted(agencies: Sequence[str], datasets: Sequence[dict[str, Any]]) -> LoadedCatalogue:
    """A small catalogue in memory, with the repo's schemas."""
    catalogue = Catalogue.model_validate(
        {
            "agencies": [{"id": a, "name": f"Cơ quan {a}", "name_en": a} for a in agencies],
            "datasets": list(datasets),
        }
    )
    schemas = {d.id: load_schema(SCHEMAS / d.schema_path) for d in catalogue.datasets}
    return LoadedCatalogue(catalogue=catalogue, schemas=schemas)


def topic(agency: str, name: str, operation: Operation) -> AclBinding:
    return allow(f"User:{agency}", ResourceType.TOPIC, name, operation)


def group(agency: str) -> AclBinding:
    return allow(
        f"User:{agency}", ResourceType.GROUP, f"{agency}.", Operation.READ, PatternType.PREFIXED
    )


def ops(acls: frozenset[AclBinding], agency: str, topic: str) -> set[Operation]:
    """The operations an agency holds on a topic."""
    return {
        a.operation
        for a in acls
        if a.principal == f"User:{agency}"
        and a.resource_type is ResourceType.TOPIC
        and a.resource_name == topic
    }


def topics_of(acls: frozenset[AclBinding], agency: str) -> set[str]:
    return {
        a.resource_name
        for a in acls
        if a.principal == f"User:{agency}" and a.resource_type is ResourceType.TOPIC
    }


# --- desired ACLs from the repo catalogue ---------------------------------------------------


def test_repo_owner_writes_and_reads_its_topic_masked_and_dlq() -> None:
    """vp-ubnd owns tthc.dossiers: WRITE, READ, DESCRIBE on the topic; READ, DESCRIBE on
    .masked and .dlq."""
    acls = desired_acls(repo_catalogue())
    assert ops(acls, "vp-ubnd", "tthc.dossiers") == {
        Operation.WRITE,
        Operation.READ,
        Operation.DESCRIBE,
    }
    assert ops(acls, "vp-ubnd", "tthc.dossiers.masked") == READ_DESCRIBE
    assert ops(acls, "vp-ubnd", "tthc.dossiers.dlq") == READ_DESCRIBE


def test_repo_personal_data_grant_reads_the_topic_others_the_masked_projection() -> None:
    """so-khcn (personal_data) reads tthc.dossiers itself; so-ct only tthc.dossiers.masked."""
    acls = desired_acls(repo_catalogue())
    assert ops(acls, "so-khcn", "tthc.dossiers") == READ_DESCRIBE
    assert ops(acls, "so-khcn", "tthc.dossiers.masked") == set()
    assert ops(acls, "so-ct", "tthc.dossiers") == set()
    assert ops(acls, "so-ct", "tthc.dossiers.masked") == READ_DESCRIBE
    assert ops(acls, "so-yt", "tthc.dossiers") | ops(acls, "so-yt", "tthc.dossiers.masked") == set()


def test_repo_restricted_dataset_is_its_owners_only() -> None:
    """Nobody but vp-ubnd has any ACL on the citizen-evidence topics."""
    acls = desired_acls(repo_catalogue())
    topic = "evidence.citizen_evidence"
    holders = {a.principal for a in acls if a.resource_name.startswith(topic)}
    assert holders == {"User:vp-ubnd"}


def test_repo_open_dataset_without_personal_fields_is_read_by_every_agency() -> None:
    """salinity.readings is open and its schema has no personal field: every agency reads the
    topic; only the owner the masked and DLQ topics; only the owner writes."""
    loaded = repo_catalogue()
    acls = desired_acls(loaded)
    for agency in (a.id for a in loaded.catalogue.agencies):
        assert READ_DESCRIBE <= ops(acls, agency, "salinity.readings"), agency
        if agency != "so-nnmt":
            assert Operation.WRITE not in ops(acls, agency, "salinity.readings")
            assert ops(acls, agency, "salinity.readings.masked") == set()
            assert ops(acls, agency, "salinity.readings.dlq") == set()


def test_repo_every_agency_reads_only_its_own_group_prefix() -> None:
    """One PREFIXED group ACL per agency, `<agency>.`, READ; no other group ACL."""
    loaded = repo_catalogue()
    groups = {a for a in desired_acls(loaded) if a.resource_type is ResourceType.GROUP}
    assert groups == {group(a.id) for a in loaded.catalogue.agencies}


def test_repo_acls_are_allow_from_any_host_and_only_owners_write() -> None:
    """Every derived ACL ALLOWs from host *; each WRITE is the dataset owner's on its topic."""
    loaded = repo_catalogue()
    acls = desired_acls(loaded)
    assert {(a.permission, a.host) for a in acls} == {(Permission.ALLOW, "*")}
    writes = {(a.principal, a.resource_name) for a in acls if a.operation is Operation.WRITE}
    assert writes == {(f"User:{d.owner}", d.topic) for d in loaded.catalogue.datasets}


# --- desired ACLs from crafted catalogues ---------------------------------------------------


def test_crafted_catalogue_exact_acls() -> None:
    """A shared dataset with one personal-data grant and one without, listed in full."""
    loaded = crafted(
        ["own", "pd", "masked", "none"],
        [
            dataset(
                "t.shared",
                "own",
                "shared",
                "tthc/dossier.avsc",
                [
                    {"agency": "pd", "purpose": "Kiểm tra", "personal_data": True},
                    {"agency": "masked", "purpose": "Thống kê"},
                ],
            )
        ],
    )
    read, write, describe = Operation.READ, Operation.WRITE, Operation.DESCRIBE
    assert desired_acls(loaded) == {
        topic("own", "t.shared", write),
        topic("own", "t.shared", read),
        topic("own", "t.shared", describe),
        topic("own", "t.shared.masked", read),
        topic("own", "t.shared.masked", describe),
        topic("own", "t.shared.dlq", read),
        topic("own", "t.shared.dlq", describe),
        topic("pd", "t.shared", read),
        topic("pd", "t.shared", describe),
        topic("masked", "t.shared.masked", read),
        topic("masked", "t.shared.masked", describe),
        group("own"),
        group("pd"),
        group("masked"),
        group("none"),
    }


def test_crafted_open_dataset_with_personal_fields_gives_no_pseudonyms_without_a_grant() -> None:
    """An open dataset whose schema has personal fields: an agency without a grant gets no ACL
    at all (neither the topic nor the pseudonyms of .masked: it reads the public projection
    over HTTP); a personal-data grant reads the topic, a grant without it .masked."""
    loaded = crafted(
        ["own", "other", "pd", "masked"],
        [
            dataset(
                "t.open",
                "own",
                "open",
                "ocop/product.avsc",
                [
                    {"agency": "pd", "purpose": "Liên hệ", "personal_data": True},
                    {"agency": "masked", "purpose": "Thống kê"},
                ],
            )
        ],
    )
    acls = desired_acls(loaded)
    assert topics_of(acls, "other") == set()
    assert ops(acls, "other", "t.open.masked") == set()
    assert topics_of(acls, "pd") == {"t.open"}
    assert ops(acls, "pd", "t.open") == READ_DESCRIBE
    assert topics_of(acls, "masked") == {"t.open.masked"}


def test_crafted_grant_without_personal_data_on_a_dataset_without_personal_fields() -> None:
    """A shared dataset whose schema has no personal field has no .masked (the masked projection
    is the whole record): a grantee without personal_data reads the topic; an agency without a
    grant nothing (no open projection)."""
    loaded = crafted(
        ["own", "grantee", "none"],
        [
            dataset(
                "t.plain",
                "own",
                "shared",
                "salinity/reading.avsc",
                [{"agency": "grantee", "purpose": "Cảnh báo xâm nhập mặn"}],
            )
        ],
    )
    acls = desired_acls(loaded)
    assert topics_of(acls, "grantee") == {"t.plain"}
    assert ops(acls, "grantee", "t.plain") == READ_DESCRIBE
    assert topics_of(acls, "none") == set()


def test_kafka_refusal_of_a_public_projection_points_to_http() -> None:
    """The sharing policy's Kafka answer for a reader whose decision is the public projection of
    a record with personal fields: a refusal naming the HTTP path, not a topic."""
    loaded = crafted(["own", "other"], [dataset("t.open", "own", "open", "ocop/product.avsc")])
    entry = loaded.catalogue.dataset("t.open")
    decision = read_decision(Reader("other"), entry)
    assert isinstance(decision, ReadAccess) and decision.projection is Projection.PUBLIC
    refusal = topic_for(decision, entry, has_personal_fields=True)
    assert isinstance(refusal, Refusal) and refusal.code == "public_over_http"
    assert "/api/v1/datasets/t.open/records" in refusal.message
    assert topic_for(decision, entry, has_personal_fields=False) == "t.open"


def test_crafted_restricted_dataset_gives_nothing_to_others() -> None:
    """A restricted dataset: the owner's ACLs only; the others keep just their group prefix."""
    loaded = crafted(
        ["own", "other"], [dataset("t.secret", "own", "restricted", "tthc/dossier.avsc")]
    )
    acls = desired_acls(loaded)
    assert topics_of(acls, "own") == {"t.secret", "t.secret.masked", "t.secret.dlq"}
    assert [a.resource_type for a in acls if a.principal == "User:other"] == [ResourceType.GROUP]


# --- the plan: create, delete stale, stay in scope -------------------------------------------


def small() -> LoadedCatalogue:
    return crafted(
        ["own", "reader"],
        [
            dataset(
                "t.data",
                "own",
                "shared",
                "tthc/dossier.avsc",
                [{"agency": "reader", "purpose": "Thống kê"}],
            )
        ],
    )


def test_plan_creates_what_is_missing_and_deletes_what_is_stale() -> None:
    """Desired but absent: created; an agency's ACL the catalogue no longer grants: deleted."""
    loaded = small()
    desired = desired_acls(loaded)
    stale = allow("User:reader", ResourceType.TOPIC, "t.data", Operation.READ)
    present = sorted(desired)[:3]
    plan = plan_changes(desired, [*present, stale], catalogue_scope(loaded))
    assert set(plan.create) == desired - set(present)
    assert plan.delete == (stale,)


def test_plan_leaves_other_principals_and_topics_alone() -> None:
    """Another principal's ACL on another topic is out of scope; so is a non-User principal and
    a super user, even on the catalogue's topics."""
    loaded = small()
    desired = desired_acls(loaded)
    elsewhere = allow("User:someone", ResourceType.TOPIC, "other.topic", Operation.READ)
    group_principal = allow("Group:ops", ResourceType.TOPIC, "t.data", Operation.READ)
    hub_acl = allow("User:kho", ResourceType.TOPIC, "t.data", Operation.WRITE)
    current = [*desired, elsewhere, group_principal, hub_acl]
    plan = plan_changes(desired, current, catalogue_scope(loaded, {"User:kho"}))
    assert plan.empty


def test_plan_deletes_any_user_acl_on_the_catalogues_resources() -> None:
    """A User: principal outside the catalogue holding an ACL on a catalogue topic, a wildcard
    User:* or a hand-made DENY of an agency: all stale."""
    loaded = small()
    desired = desired_acls(loaded)
    removed_agency = allow("User:gone", ResourceType.TOPIC, "t.data.masked", Operation.READ)
    wildcard = allow("User:*", ResourceType.TOPIC, "t.data", Operation.READ)
    denied = AclBinding(
        "User:reader",
        ResourceType.TOPIC,
        "t.data",
        PatternType.LITERAL,
        Operation.READ,
        Permission.DENY,
    )
    squatter = allow(
        "User:gone", ResourceType.GROUP, "reader.", Operation.READ, PatternType.PREFIXED
    )
    current = [*desired, removed_agency, wildcard, denied, squatter]
    plan = plan_changes(desired, current, catalogue_scope(loaded))
    assert set(plan.delete) == {removed_agency, wildcard, denied, squatter}
    assert plan.create == ()


# --- the sync, on a fake cluster --------------------------------------------------------------


class FakeCluster:
    """An AclAdmin in memory, counting its calls."""

    def __init__(self, acls: set[AclBinding] | None = None) -> None:
        self.current = set(acls or ())
        self.calls: list[str] = []
        self.passwords: dict[str, str] = {}

    def acls(self) -> set[AclBinding]:
        return set(self.current)

    def create(self, bindings: Sequence[AclBinding]) -> None:
        self.calls.append("create")
        self.current |= set(bindings)

    def delete(self, bindings: Sequence[AclBinding]) -> None:
        self.calls.append("delete")
        self.current -= set(bindings)

    def set_scram_password(self, user: str, password: str) -> None:
        self.passwords[user] = password


def test_sync_twice_changes_nothing_the_second_time() -> None:
    """The first sync creates every desired ACL; the second finds nothing to do."""
    loaded = repo_catalogue()
    cluster = FakeCluster()
    first = sync_acls(cluster, loaded)
    assert set(first.created) == desired_acls(loaded) == cluster.current
    assert first.deleted == ()
    second = sync_acls(cluster, loaded)
    assert (second.created, second.deleted) == ((), ())
    assert cluster.calls == ["create"]


def test_sync_removes_a_revoked_grant_and_dry_run_changes_nothing() -> None:
    """A grant removed from the catalogue: a dry run reports the deletion without applying it;
    the real run deletes it (before creating anything)."""
    granted = small()
    cluster = FakeCluster()
    sync_acls(cluster, granted)
    revoked = crafted(["own", "reader"], [dataset("t.data", "own", "shared", "tthc/dossier.avsc")])
    gone = {
        a
        for a in cluster.current
        if a.principal == "User:reader" and a.resource_type is ResourceType.TOPIC
    }
    assert gone

    trial = sync_acls(cluster, revoked, dry_run=True)
    assert set(trial.deleted) == gone and trial.dry_run
    assert gone <= cluster.current

    applied = sync_acls(cluster, revoked)
    assert set(applied.deleted) == gone
    assert not gone & cluster.current
    assert cluster.calls == ["create", "delete"]


def test_set_agency_password_refuses_an_unknown_agency() -> None:
    """Only agencies of the catalogue get a Kafka user; each call sets a new password."""
    cluster = FakeCluster()
    loaded = small()
    first = set_agency_password(cluster, loaded, "reader")
    second = set_agency_password(cluster, loaded, "reader")
    assert first != second and cluster.passwords == {"reader": second}
    assert len(first) >= 32
    with pytest.raises(ConfigurationError, match="'nobody'"):
        set_agency_password(cluster, loaded, "nobody")
    assert list(cluster.passwords) == ["reader"]


# --- the command line -------------------------------------------------------------------------


def test_cli_refuses_the_embedded_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kho acl sync` and `kho acl user` on the embedded bus: a clear refusal, nothing built."""
    monkeypatch.setenv("KHO_BUS_URL", f"embedded:{tmp_path / 'bus.sqlite3'}")
    monkeypatch.setenv("KHO_DATABASE_URL", f"sqlite:///{tmp_path / 'kho.sqlite3'}")
    for args in (["sync"], ["sync", "--dry-run"], ["user", "so-yt"]):
        result = CliRunner().invoke(acl_app, args)
        assert result.exit_code != 0
        assert "bus nhúng" in str(result.exception)
    assert not (tmp_path / "kho.sqlite3").exists()
