"""``kho index export`` on the embedded adapters: the open dataset holds exactly one row per
unit, closed month and indicator, equal to what ``IndexReader.figures`` answers; a month
exported again replaces its rows, so the published CSV never holds a (unit, month, indicator)
twice; and the publication's DCAT-AP description names the method version."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.app.demo import run_demo
from hub.app.wiring import Hub, build_hub
from hub.audit.entry import CLI, AuditFilter
from hub.bus.reading import read_all
from hub.index766.errors import IndexInputError
from hub.index766.export import INDEX_EXPORT_DATASET, IndexExport, RowWriter, monthly_rows
from hub.index766.periods import PROVINCE, Period, Unit
from hub.settings import KhoSettings
from tests.paths import CATALOGUE_DIR
from tests.unit.index766.index_records import (
    DOSSIERS,
    FEEDBACK,
    dossier,
    feedback,
    publish,
    worker,
)
from tests.unit.test_cli import kho

NOW = dt.datetime(2025, 10, 15, 12, 0, tzinfo=dt.UTC)
"""July and August are closed, September too; October is open."""
JULY, AUGUST, SEPTEMBER = (Period(2025, m, "month") for m in (7, 8, 9))
IDLE = 10.0


def _sample(hub: Hub) -> None:
    """Two agencies and two communes over July and August (September empty), with feedback."""
    publish(
        hub,
        DOSSIERS,
        [
            dossier("HS-1", received="2025-07-03 09:00", due="2025-07-10 17:00",
                    finished="2025-07-09 10:00"),
            dossier("HS-2", agency="so-xd", commune="30002", received="2025-07-20 09:00",
                    due="2025-07-25 17:00", finished="2025-07-28 10:00"),
            dossier("HS-3", received="2025-08-04 09:00", due="2025-08-11 17:00",
                    finished="2025-08-05 10:00", fee_vnd=50000, paid_online=True),
            dossier("HS-4", agency="so-xd", received="2025-08-06 09:00",
                    due="2025-08-08 17:00"),
        ],
    )  # fmt: skip
    publish(
        hub,
        FEEDBACK,
        [feedback("PA-1", received="2025-08-05 10:00", resolved="2025-08-07 10:00",
                  agency_code="so-tp", dossier_id="HS-3")],
    )  # fmt: skip
    worker(hub).drain(idle_timeout_s=IDLE)


def _rows_on_topic(hub: Hub) -> list[dict[str, Any]]:
    topic = hub.catalogue.entry(INDEX_EXPORT_DATASET).topic
    return [hub.decoder.decode(record.value) for record in read_all(hub.bus, topic)]


def _units(hub: Hub) -> list[Unit]:
    codes = hub.index_store.units()
    agencies = [Unit("agency", c) for c in codes.agencies]
    return [PROVINCE, *agencies, *(Unit("commune", c) for c in codes.communes)]


def _expected(hub: Hub, months: list[Period]) -> dict[str, dict[str, Any]]:
    reader = hub.index_reader
    return {
        row["row_id"]: row
        for month in months
        for unit in _units(hub)
        for row in monthly_rows(reader.figures(unit, month, NOW), unit, month)
    }


def test_export_writes_every_unit_month_and_indicator_as_the_reader_answers(
    embedded_hub: Hub,
) -> None:
    """Units × closed months with dossiers × indicators rows, each equal to the figures the
    reader gives; the open month and the empty September are not exported."""
    _sample(embedded_hub)
    run = embedded_hub.index_export().export_pending(NOW)

    assert [m.month for m in run.months] == [JULY, AUGUST]
    units = _units(embedded_hub)
    assert [str(u) for u in units] == [
        "province", "agency:so-tp", "agency:so-xd", "commune:30001", "commune:30002",
    ]  # fmt: skip
    indicators = len(embedded_hub.index_method.indicators())
    on_topic = _rows_on_topic(embedded_hub)
    assert len(on_topic) == run.rows == len(units) * 2 * indicators
    expected = _expected(embedded_hub, [JULY, AUGUST])
    for row in on_topic:
        want = expected[row["row_id"]]
        assert {k: row[k] for k in want if k != "as_of"} == {
            k: v for k, v in want.items() if k != "as_of"
        }
        assert row["as_of"] == want["as_of"] == (AUGUST.start if row["month"] == "2025-07"
                                                 else SEPTEMBER.start)  # fmt: skip
    august_so_tp = expected["2025-08|1|agency:so-tp|progress.on_time"]
    assert (august_so_tp["numerator"], august_so_tp["denominator"]) == (1, 1)


def test_a_second_run_writes_nothing_and_asked_months_are_checked(embedded_hub: Hub) -> None:
    """Exported months are passed over; an open month, a quarter or a month without dossiers
    is refused, naming it."""
    _sample(embedded_hub)
    export = embedded_hub.index_export()
    export.export_pending(NOW)
    written = len(_rows_on_topic(embedded_hub))

    assert export.export_pending(NOW).months == []
    assert export.export_latest(NOW) is None
    assert len(_rows_on_topic(embedded_hub)) == written
    for month, named in (
        (Period(2025, 10, "month"), "2025-10"),
        (Period(2025, 7, "quarter"), "2025-Q3"),
        (SEPTEMBER, "2025-09"),
    ):
        with pytest.raises(IndexInputError, match=named):
            export.export_month(month, NOW)


def test_a_month_exported_again_replaces_its_rows_in_the_published_csv(
    embedded_hub: Hub,
) -> None:
    """A later record moves HS-4 to the commune 30003 and finishes it on time; August exported
    again: the CSV holds each (unit, month, indicator) once, with the new figures, and the
    DCAT-AP description names the method version."""
    _sample(embedded_hub)
    export = embedded_hub.index_export()
    export.export_pending(NOW)
    publish(
        embedded_hub,
        DOSSIERS,
        [dossier("HS-4", agency="so-xd", commune="30003", received="2025-08-06 09:00",
                 due="2025-08-08 17:00", finished="2025-08-07 10:00")],
    )  # fmt: skip
    worker(embedded_hub).drain(idle_timeout_s=IDLE)
    again = export.export_month(AUGUST, NOW)
    assert again.complete and again.units == 6  # the commune 30003 joined

    (result,) = embedded_hub.publisher().run(CLI, only=[INDEX_EXPORT_DATASET])
    assert result.status == "published", result.reason
    folder = Path(result.location)
    text = (folder / "tthc-index766-monthly.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    keys = Counter((r["unit"], r["month"], r["indicator_id"]) for r in rows)
    assert keys and max(keys.values()) == 1
    indicators = len(embedded_hub.index_method.indicators())
    assert len(rows) == result.rows == (5 + 6) * indicators
    on_time = next(
        r for r in rows
        if (r["unit"], r["month"], r["indicator_id"]) == ("agency:so-xd", "2025-08",
                                                           "progress.on_time")
    )  # fmt: skip
    assert (on_time["numerator"], on_time["denominator"]) == ("1", "1")  # was 0 of 1: late
    assert on_time["as_of"] == "2025-09-01T00:00:00+07:00"

    version = embedded_hub.index_method.version
    dcat = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
    dataset = next(n for n in dcat["@graph"] if "dcat:Dataset" in n.get("@type", []))
    descriptions = json.dumps(dataset["dct:description"], ensure_ascii=False)
    assert f"phiên bản {version}" in descriptions and f"method version {version}" in descriptions
    assert "{method_version}" not in descriptions
    records = json.loads((folder / "tthc-index766-monthly.json").read_text("utf-8"))
    assert len(records) == len(rows) and records[0]["method_version"] == version


def test_kho_index_export_prints_the_months_and_refuses_bad_options(
    tmp_path: Path, cli_hub: Hub
) -> None:
    """The command exports the closed months not yet exported, logs each month's write in the
    audit log and says how to publish them; a bad month or both options is one line naming it,
    exit 1."""
    _sample(cli_hub)
    ran = kho(["index", "export"], tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "2025-07" in ran.stdout and "2025-08" in ran.stdout
    assert f"kho publish --only {INDEX_EXPORT_DATASET}" in ran.stdout
    logged = [
        e.as_dict()["details"]
        for e in cli_hub.audit.query(AuditFilter(dataset=INDEX_EXPORT_DATASET), limit=10)
    ]
    indicators = len(cli_hub.index_method.indicators())
    assert [(d["month"], d["count"], d["dead_letters"]) for d in logged] == [
        ("2025-07", 5 * indicators, 0),
        ("2025-08", 5 * indicators, 0),
    ]

    again = kho(["index", "export"], tmp_path)
    assert again.returncode == 0 and "chưa xuất" in again.stdout

    for args, named in (
        (["--month", "2025-8"], "'2025-8'"),
        (["--month", "2025-Q3"], "'2025-Q3'"),
        (["--month", "2025-08", "--all-closed"], "--all-closed"),
    ):
        refused = kho(["index", "export", *args], tmp_path)
        assert refused.returncode == 1
        (line,) = refused.stderr.strip().splitlines()
        assert line.startswith("Lỗi:") and named in line


def test_the_demo_publishes_the_latest_closed_month_once(embedded_hub: Hub) -> None:
    """The demo exports the sample's latest closed month and publishes it; a second demo finds
    it exported and leaves the publication unchanged."""
    first = run_demo(embedded_hub, rows=40, seed=9)
    exported = first.index_export
    assert exported is not None and exported.complete
    indicators = len(embedded_hub.index_method.indicators())
    assert exported.rows == exported.units * indicators == len(_rows_on_topic(embedded_hub))
    published = {r.publication_id: r for r in first.published}[INDEX_EXPORT_DATASET]
    assert (published.status, published.action, published.rows) == (
        "published",
        "created",
        exported.rows,
    )

    second = run_demo(embedded_hub, rows=40, seed=9)
    assert second.index_export is None
    again = {r.publication_id: r for r in second.published}[INDEX_EXPORT_DATASET]
    assert (again.status, again.action) == ("published", "unchanged")


class _KilledBeforeProvince:
    """A fake writer, only to stop the export between its two writes (as a process killed
    there would): the first write goes through the real dataset writer, the second raises."""

    def __init__(self, writer: RowWriter) -> None:
        self._writer = writer
        self._writes = 0

    def write(self, incoming: Any, *, on_flushed: Any = None) -> Any:
        self._writes += 1
        if self._writes > 1:
            raise KeyboardInterrupt
        return self._writer.write(incoming, on_flushed=on_flushed)


def test_an_export_stopped_before_the_province_rows_is_done_again(embedded_hub: Hub) -> None:
    """Without its province rows the month is not exported: the next run writes it whole, and
    the publication still holds each (unit, month, indicator) once."""
    _sample(embedded_hub)
    topic = embedded_hub.catalogue.entry(INDEX_EXPORT_DATASET).topic
    writer = _KilledBeforeProvince(embedded_hub.writer(INDEX_EXPORT_DATASET))
    stopped = IndexExport(embedded_hub.index_reader, writer, embedded_hub.bus, topic)
    with pytest.raises(KeyboardInterrupt):
        stopped.export_month(JULY, NOW)
    export = embedded_hub.index_export()
    assert export.exported_months() == set() and _rows_on_topic(embedded_hub)

    run = export.export_pending(NOW)

    assert [m.month for m in run.months] == [JULY, AUGUST]
    assert export.exported_months() == {"2025-07", "2025-08"}
    (result,) = embedded_hub.publisher().run(CLI, only=[INDEX_EXPORT_DATASET])
    assert result.rows == len(_units(embedded_hub)) * 2 * len(
        embedded_hub.index_method.indicators()
    )


def test_rows_a_contract_refuses_go_to_the_dlq_and_leave_the_month_to_export(
    embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """With a stricter contract (no indicator at its maximum) the refused rows are dead letters
    naming the rule, the province rows are not written, and the month stays pending."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    entry = next(d for d in raw["datasets"] if d["id"] == INDEX_EXPORT_DATASET)
    rule = next(r for r in entry["contract"] if r["rule"] == "points_within_max")
    rule["expr"] = "points < max_points"
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with build_hub(embedded_settings.model_copy(update={"catalogue_path": catalogue})) as hub:
        _sample(hub)
        export = hub.index_export()

        july = export.export_month(JULY, NOW)

        assert (
            not july.complete and july.refused > 0 and july.refused_rules == ("points_within_max",)
        )
        assert export.exported_months() == set()
        dlq = hub.catalogue.entry(INDEX_EXPORT_DATASET).dlq_topic
        assert sum(hub.bus.end_offsets(dlq).values()) == july.refused
        assert all(row["unit"] != "province" for row in _rows_on_topic(hub))
        assert [m.month for m in export.export_pending(NOW).months] == [JULY, AUGUST]
