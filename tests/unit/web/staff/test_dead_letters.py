"""``/quan-ly/ban-ghi-loi``: a steward lists the dead letters of their agency's datasets by rule,
opens one, corrects it in the form and replays it onto the dataset's topic through the desk
``kho dlq`` uses (audited as ``dlq.replay``); a correction still wrong comes back with 422 and
writes nothing; another agency's letters are refused (403), a restricted dataset's hidden (404).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub
from hub.audit.actions import DLQ_REPLAY
from hub.audit.entry import AuditFilter
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.dlq.desk import LetterView, StewardDesk
from hub.ingest.validation import Violation
from hub.ingest.writer import IncomingRecord, SourceRef
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, steward, words

DATASET = "salinity.readings"
TOPIC = "salinity.readings"
ROOT = "/quan-ly/ban-ghi-loi"
RESTRICTED = "evidence.citizen_evidence"
DOSSIERS = "tthc.dossiers"


def reading(**changes: Any) -> dict[str, Any]:
    """A salinity reading every rule of the dataset accepts, with ``changes``."""
    measured = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    good = {
        "station_id": "TIEU-01",
        "station_name": "Trạm cửa Tiểu",
        "river_mouth": "cửa Tiểu",
        "commune_code": "28756",
        "latitude": 10.27,
        "longitude": 106.75,
        "salinity_g_per_l": 4.2,
        "measured_at": measured.isoformat(),
    }
    return {**good, **changes}


def ingest(visit: StaffVisit, *documents: dict[str, Any]) -> dict[str, Any]:
    """The documents posted to the ingest API by a producer of so-nnmt, in partial mode: the
    bad ones become dead letters."""
    token = visit.hub.tokens.create("so-nnmt", frozenset({Role.PRODUCER})).plaintext
    with TestClient(visit.client.app) as api:
        answer = api.post(
            f"/api/v1/datasets/{DATASET}/records",
            params={"mode": "partial"},
            json=list(documents),
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def desk(hub: Hub, dataset: str = DATASET) -> StewardDesk:
    return hub.steward_desk(dataset)


def letter_with(hub: Hub, rule: str) -> LetterView:
    return next(
        v
        for v in desk(hub).letters().letters
        if any(x.rule == rule for x in v.stored.letter.violations)
    )


def on_topic(hub: Hub) -> list[dict[str, Any]]:
    return [hub.decoder.decode(r.value) for r in read_all(hub.bus, TOPIC)]


def field_error(html: str, name: str) -> str:
    """The error shown under the form's input ``truong.<name>``."""
    found = re.search(rf'name="truong\.{re.escape(name)}"[^>]*aria-describedby="([^"]+)"', html)
    assert found is not None, f"no error on {name}"
    error = re.search(rf'id="{found.group(1)}">([^<]*)<', html)
    assert error is not None
    return error.group(1)


def form_fields(html: str) -> dict[str, str]:
    """The correction form's fields as the page filled them in."""
    return {
        name: value.replace("&#34;", '"').replace("&amp;", "&")
        for name, value in re.findall(r'name="(truong\.[^"]+)" value="([^"]*)"', html)
    }


@pytest.fixture
def letters(visit: StaffVisit) -> StaffVisit:
    """Two bad readings through the ingest API (salinity out of range; latitude outside
    Vietnam) beside a good one."""
    answer = ingest(
        visit, reading(), reading(salinity_g_per_l=55.0), reading(latitude=40.5, station_id="X")
    )
    assert answer["accepted_count"] == 1 and answer["rejected_count"] == 2
    return visit


def test_the_overview_counts_the_stewards_letters_by_rule(letters: StaffVisit) -> None:
    """A steward sees their agency's datasets with the letters per rule, not another's."""
    letters.sign_in(steward("so-nnmt"))
    answer = letters.get(ROOT)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    shown = words(answer.text)
    assert "2 bản ghi lỗi, trong đó 2 chưa phát lại" in shown
    assert f'href="{ROOT}/{DATASET}?quy-tac=salinity_range"' in answer.text
    assert "Độ mặn phải từ 0 đến 40 g/l" in shown
    assert "tthc.dossiers" not in shown  # vp-ubnd's


def test_the_list_filters_by_rule_newest_first(letters: StaffVisit) -> None:
    """``?quy-tac=`` keeps the letters breaking the rule; each shows its reason and status."""
    letters.sign_in(steward("so-nnmt"))
    everything = letters.get(f"{ROOT}/{DATASET}")
    assert everything.status_code == 200
    first, second = (str(v.address) for v in desk(letters.hub).letters().letters)
    assert everything.text.index(f"Bản ghi {second}") < everything.text.index(f"Bản ghi {first}")
    only = letters.get(f"{ROOT}/{DATASET}", **{"quy-tac": "latitude_in_vietnam"})
    shown = words(only.text)
    assert "Vĩ độ nằm ngoài lãnh thổ Việt Nam" in shown and "Chưa phát lại" in shown
    assert "Độ mặn phải từ 0 đến 40 g/l (trường" not in shown
    assert f"Bản ghi {second}" in shown and f"Bản ghi {first}" not in shown


def test_one_letter_shows_reason_rule_field_and_original_escaped(letters: StaffVisit) -> None:
    """The letter's page names the rule, the field and the reason, and shows the original
    bytes as escaped text; the form is prefilled from the letter's record."""
    view = letter_with(letters.hub, "salinity_range")
    letters.sign_in(steward("so-nnmt"))
    answer = letters.get(f"{ROOT}/{DATASET}/{view.address}")
    assert answer.status_code == 200
    shown = words(answer.text)
    assert "salinity_range" in shown and "$.salinity_g_per_l" in shown
    assert "Độ mặn phải từ 0 đến 40 g/l" in shown
    assert "&#34;salinity_g_per_l&#34;: 55.0" in answer.text  # the JSON the API received
    assert form_fields(answer.text)["truong.salinity_g_per_l"] == "55.0"
    assert "chưa được phát lại lần nào" in shown


def test_the_form_labels_a_field_by_its_schema_doc_with_its_name_beside(
    letters: StaffVisit,
) -> None:
    """A field whose Avro schema has a ``doc`` is labelled by its Vietnamese half, the field's
    name small beside it; the value's form (hint) follows."""
    view = letter_with(letters.hub, "salinity_range")
    letters.sign_in(steward("so-nnmt"))
    answer = letters.get(f"{ROOT}/{DATASET}/{view.address}")
    label = re.search(r'<label for="truong-\d+">(Độ mặn[^\n]*?)</label>', answer.text)
    assert label is not None
    assert label.group(1).startswith('Độ mặn (g/l, 0–40) <code class="field-name">')
    assert "salinity_g_per_l</code>" in label.group(1) and "Salinity in grams" not in label.group(1)


def test_a_binary_original_is_shown_as_hex(letters: StaffVisit) -> None:
    """A letter whose original bytes are not text says so and shows them in hexadecimal."""
    writer = letters.hub.writer(DATASET)
    source = SourceRef("api", "nhi-phan", 0)
    bad = IncomingRecord(source, b"\x00\xff<b>", None, (Violation("$", "json", "Không đọc được"),))
    (kept,) = writer.send_to_dlq([writer.dead_letter(bad, bad.problems)])
    letters.sign_in(steward("so-nnmt"))
    answer = letters.get(f"{ROOT}/{DATASET}/{kept.partition}:{kept.offset}")
    assert answer.status_code == 200
    assert "Không phải văn bản" in answer.text and "00 ff 3c 62 3e" in answer.text
    assert "<b>" not in answer.text.split("noi-dung-goc", 1)[1].split("</section>", 1)[0]


def test_a_correction_is_replayed_onto_the_topic_and_audited(letters: StaffVisit) -> None:
    """The corrected record passes the checks, lands on the dataset's topic, the letter is
    marked replayed, and the audit log names the person's actor."""
    hub = letters.hub
    view = letter_with(hub, "salinity_range")
    page = f"{ROOT}/{DATASET}/{view.address}"
    letters.sign_in(steward("so-nnmt"))
    fields = form_fields(letters.get(page).text)
    before = len(on_topic(hub))
    answer = letters.post_form(
        page + "/sua", {**fields, "truong.salinity_g_per_l": "12.5"}, form_page=page
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == page + "?xong=phat-lai"
    records = on_topic(hub)
    assert len(records) == before + 1
    assert [r["salinity_g_per_l"] for r in records].count(12.5) == 1
    shown = words(letters.get(page + "?xong=phat-lai").text)
    assert "Đã phát lại" in shown and f"vào {TOPIC}" in shown
    assert "chưa được phát lại lần nào" not in shown and f"đã vào {TOPIC}" in shown  # history
    (entry,) = hub.audit.query(AuditFilter(action=DLQ_REPLAY))
    assert entry.action == DLQ_REPLAY and entry.dataset == DATASET
    assert entry.actor.principal.startswith("token:sso:") and entry.actor.agency == "so-nnmt"
    assert entry.details["letter"] == f"{TOPIC}.dlq:{view.address}"


def test_a_correction_still_wrong_comes_back_with_422_and_writes_nothing(
    letters: StaffVisit,
) -> None:
    """A value still out of range, and one of the wrong type: the form again with each
    rule's message by its field; nothing on the topic, no new letter, no replay recorded."""
    hub = letters.hub
    view = letter_with(hub, "salinity_range")
    page = f"{ROOT}/{DATASET}/{view.address}"
    letters.sign_in(steward("so-nnmt"))
    fields = form_fields(letters.get(page).text)
    before, letters_before = len(on_topic(hub)), desk(hub).letters().matching
    still = letters.post_form(
        page + "/sua", {**fields, "truong.salinity_g_per_l": "41"}, form_page=page
    )
    assert still.status_code == 422
    assert field_error(still.text, "salinity_g_per_l").startswith("Độ mặn phải từ 0 đến 40")
    assert 'value="41"' in still.text  # what was typed, kept
    wrong_type = letters.post_form(
        page + "/sua", {**fields, "truong.latitude": "mười"}, form_page=page
    )
    assert wrong_type.status_code == 422
    assert "không đúng kiểu của trường latitude" in field_error(wrong_type.text, "latitude")
    assert len(on_topic(hub)) == before
    assert desk(hub).letters().matching == letters_before
    assert desk(hub).letter(str(view.address)).last_replay is None


def test_a_plain_replay_publishes_a_letter_that_needs_no_correction(
    letters: StaffVisit,
) -> None:
    """A letter refused for a passing reason (here: written as a transient failure) is
    replayed unchanged onto the topic."""
    hub = letters.hub
    writer = hub.writer(DATASET)
    document = reading(station_id="DAI-02")
    record = writer.json_reader.read(document)
    transient = Violation("$", "bus_unavailable", "Hàng đợi tạm thời không nhận bản ghi")
    incoming = IncomingRecord(SourceRef("api", "tam-thoi", 0), b"{}", None, (transient,))
    letter = writer.dead_letter(incoming, (transient,))
    letter = type(letter)(**{**letter.__dict__, "record": document})
    (kept,) = writer.send_to_dlq([letter])
    page = f"{ROOT}/{DATASET}/{kept.partition}:{kept.offset}"
    letters.sign_in(steward("so-nnmt"))
    answer = letters.post_form(page + "/phat-lai", form_page=page)
    assert answer.status_code == 303, words(answer.text)
    assert record["station_id"] in {r["station_id"] for r in on_topic(hub)}
    again = letters.post_form(page + "/phat-lai", form_page="/dang-xuat")
    assert again.status_code == 409  # replayed once; the page says so
    assert "đã được phát lại" in words(again.text)


def test_a_form_without_its_csrf_token_is_refused(letters: StaffVisit) -> None:
    """Posting the correction without the CSRF token: 403, nothing replayed."""
    view = letter_with(letters.hub, "salinity_range")
    letters.sign_in(steward("so-nnmt"))
    page = f"{ROOT}/{DATASET}/{view.address}"
    before = len(on_topic(letters.hub))
    answer = letters.client.post(page + "/sua", data={"truong.salinity_g_per_l": "1"})
    assert answer.status_code == 403
    assert len(on_topic(letters.hub)) == before


def test_another_agencys_letter_is_forbidden(letters: StaffVisit) -> None:
    """A steward of so-yt opening, correcting or replaying so-nnmt's letter: 403 each time."""
    view = letter_with(letters.hub, "salinity_range")
    page = f"{ROOT}/{DATASET}/{view.address}"
    letters.sign_in(steward("so-yt"))
    for answer in (
        letters.get(page),
        letters.get(f"{ROOT}/{DATASET}"),
        letters.post_form(page + "/phat-lai", form_page="/dang-xuat"),  # the session's token
    ):
        assert answer.status_code == 403
        assert "Sở Nông nghiệp và Môi trường" in words(answer.text)
    assert DATASET not in words(letters.get(ROOT).text)


def test_a_restricted_dataset_of_another_agency_is_not_found(letters: StaffVisit) -> None:
    """The evidence dataset (restricted, vp-ubnd) does not exist for so-nnmt's steward, even
    where a letter is; its administrator opens the letter."""
    writer = letters.hub.writer(RESTRICTED)
    bad = IncomingRecord(SourceRef("api", "x", 0), b"{", None, (Violation("$", "json", "Hỏng"),))
    (kept,) = writer.send_to_dlq([writer.dead_letter(bad, bad.problems)])
    page = f"{ROOT}/{RESTRICTED}/{kept.partition}:{kept.offset}"
    letters.sign_in(steward("so-nnmt"))
    hidden = letters.get(page)
    assert hidden.status_code == 404
    assert f"Không có bộ dữ liệu “{RESTRICTED}”" in words(hidden.text)
    assert letters.get(f"{ROOT}/khong.co").status_code == 404
    letters.sign_in(ADMIN)
    assert letters.get(page).status_code == 200


@pytest.mark.parametrize("address", ["0:999", "abc", "1:2:3", "9:0"])
def test_an_unknown_or_malformed_address_is_a_404_naming_it(
    letters: StaffVisit, address: str
) -> None:
    """No letter at that address, or not an address at all: a 404 page that names it."""
    letters.sign_in(steward("so-nnmt"))
    answer = letters.get(f"{ROOT}/{DATASET}/{address}")
    assert answer.status_code == 404
    assert address in words(answer.text) and "Traceback" not in answer.text


def test_a_record_that_is_not_flat_is_edited_as_json(visit: StaffVisit) -> None:
    """A letter whose record holds a nested value is corrected in a JSON text area; JSON that
    does not parse comes back with 422 naming the line and column."""
    writer = visit.hub.writer(DATASET)
    nested = reading(station_name={"vi": "Trạm"})
    bad = IncomingRecord(SourceRef("api", "x", 0), b"{}", None, (Violation("$", "json", "x"),))
    letter = writer.dead_letter(bad, bad.problems)
    (kept,) = writer.send_to_dlq([type(letter)(**{**letter.__dict__, "record": nested})])
    page = f"{ROOT}/{DATASET}/{kept.partition}:{kept.offset}"
    visit.sign_in(steward("so-nnmt"))
    shown = visit.get(page).text
    assert 'name="ban-ghi-json"' in shown and "truong." not in shown
    broken = visit.post_form(page + "/sua", {"ban-ghi-json": '{"a": 1,}'}, form_page=page)
    assert broken.status_code == 422
    assert "dòng 1, cột 9: không phải JSON hợp lệ" in words(broken.text)
    fixed = reading(station_id="JSON-1")
    answer = visit.post_form(page + "/sua", {"ban-ghi-json": json.dumps(fixed)}, form_page=page)
    assert answer.status_code == 303
    assert "JSON-1" in {r["station_id"] for r in on_topic(visit.hub)}


def test_a_csv_dossier_letter_round_trips_through_the_field_form(visit: StaffVisit) -> None:
    """A dossier row the CSV connector refused (a bad CCCD number) is corrected in the form:
    times, enums, whole numbers and true/false come back from their text, and it is published
    with the other fields as the connector mapped them."""
    hub = visit.hub
    sample = write_dossier_export(hub.settings.data_dir / "ho-so.csv", rows=120, seed=5)
    run_connector(load_connector_config(DOSSIER_CONNECTOR), sample.path, hub.writer(DOSSIERS))
    view = next(
        v
        for v in desk(hub, DOSSIERS).letters().letters
        if v.stored.letter.record is not None
        and [x.path for x in v.stored.letter.violations] == ["$.applicant_id_number"]
    )
    accepted = hub.decoder.decode(next(read_all(hub.bus, DOSSIERS)).value)
    page = f"{ROOT}/{DOSSIERS}/{view.address}"
    visit.sign_in(steward("vp-ubnd"))
    shown = visit.get(page).text
    assert "một trong: online, offline" in shown
    fields = form_fields(shown)
    fields["truong.applicant_id_number"] = accepted["applicant_id_number"]
    answer = visit.post_form(page + "/sua", fields, form_page=page)
    assert answer.status_code == 303, words(answer.text)
    record = view.stored.letter.record
    assert record is not None
    (published,) = (
        r
        for r in (hub.decoder.decode(m.value) for m in read_all(hub.bus, DOSSIERS))
        if r["dossier_id"] == record["dossier_id"]
    )
    assert published["channel"] == record["channel"]
    assert published["fee_vnd"] == record["fee_vnd"]
    assert published["paid_online"] is record["paid_online"]
    assert published["received_at"] == dt.datetime.fromisoformat(record["received_at"])


def test_a_plain_replay_of_a_record_still_wrong_writes_nothing(letters: StaffVisit) -> None:
    """Replaying unchanged a letter whose record still breaks its rule: the form again with
    422 and the rule's message by the field; nothing on the topic or in the DLQ."""
    hub = letters.hub
    view = letter_with(hub, "salinity_range")
    page = f"{ROOT}/{DATASET}/{view.address}"
    before, letters_before = len(on_topic(hub)), desk(hub).letters().matching
    letters.sign_in(steward("so-nnmt"))
    answer = letters.post_form(page + "/phat-lai", form_page=page)
    assert answer.status_code == 422
    assert field_error(answer.text, "salinity_g_per_l").startswith("Độ mặn phải từ 0 đến 40")
    assert len(on_topic(hub)) == before
    assert desk(hub).letters().matching == letters_before


def test_a_replay_refused_on_the_command_line_links_both_letters(letters: StaffVisit) -> None:
    """After ``kho dlq replay`` refused a letter again, its page shows the history and links
    to the new letter, which links back; neither offers the form for the old one."""
    hub = letters.hub
    view = letter_with(hub, "salinity_range")
    (outcome,) = desk(hub).replay([str(view.address)]).outcomes
    assert outcome.new_letter is not None
    letters.sign_in(steward("so-nnmt"))
    old = letters.get(f"{ROOT}/{DATASET}/{view.address}").text
    assert "Vẫn bị từ chối" in words(old) and "Lịch sử phát lại" in words(old)
    assert f'href="{ROOT}/{DATASET}/{outcome.new_letter}"' in old
    assert "Kiểm tra và phát lại" not in old
    new = letters.get(f"{ROOT}/{DATASET}/{outcome.new_letter}").text
    assert f'href="{ROOT}/{DATASET}/{view.address}"' in new
    assert "Kiểm tra và phát lại" in new


def test_an_administrator_sees_every_agencys_letters(letters: StaffVisit) -> None:
    """The administrator's overview lists every dataset, so-nnmt's letters among them."""
    letters.sign_in(ADMIN)
    shown = words(letters.get(ROOT).text)
    assert "tthc.dossiers" in shown and "2 bản ghi lỗi, trong đó 2 chưa phát lại" in shown
    assert letters.get(f"{ROOT}/{DATASET}").status_code == 200
