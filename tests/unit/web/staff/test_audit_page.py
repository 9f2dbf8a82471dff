"""``/quan-ly/nhat-ky``: administrators only; the filters narrow the entries as the API's do, a
bad filter is a 422 naming it, pages follow with ``?sau=``; "Kiểm tra chuỗi" reports the chain
intact with its head, then the first tampered entry, without a traceback."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.app.web.staff.action_labels import ACTION_LABELS
from hub.app.web.staff.audit_log import PAGE_SIZE, VERIFY_PATH
from hub.app.web.staff.tools import AUDIT_LOG
from hub.audit import Actor, actions
from hub.audit.anchor import Anchor, FileAnchors, sign
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, citizen, csrf, steward, words

PAGE = AUDIT_LOG.path
HEALTH = Actor("token:aaaaaaaaaaaa", "so-yt")
TRADE = Actor("token:bbbbbbbbbbbb", "so-ct")


def _fill(visit: StaffVisit) -> None:
    log = visit.hub.audit
    for n in range(3):
        log.append(actions.RECORDS_WRITE, actor=HEALTH, dataset="yt.visits", details={"n": n})
    log.append(actions.DATASET_APPROVE, actor=TRADE, dataset="ct.markets", details={"note": "ok"})


def _seqs(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<th scope="row" class="num">(\d+)</th>', html)]


def _sql(visit: StaffVisit, statement: str, **params: Any) -> None:
    with visit.hub.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def _verify(visit: StaffVisit, head: str = "") -> Any:
    return visit.post_form(VERIFY_PATH, {"moc": head}, form_page=PAGE)


def test_a_visitor_is_sent_to_sign_in(visit: StaffVisit) -> None:
    """A visitor goes to sign in and comes back to the audit log."""
    answer = visit.get(PAGE)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dang-nhap?next=%2Fquan-ly%2Fnhat-ky"


@pytest.mark.parametrize("person", [steward("so-nnmt"), citizen()])
def test_only_administrators_open_it(visit: StaffVisit, person: str) -> None:
    """A steward and a citizen get the 403 page, on the log and on the verify button."""
    visit.sign_in(person)
    assert visit.get(PAGE).status_code == 403
    token = csrf(visit.get("/dang-xuat").text)
    assert visit.client.post(VERIFY_PATH, data={"csrf_token": token}).status_code == 403


def test_filters_narrow_the_entries(visit: StaffVisit) -> None:
    """Each filter keeps only the matching entries; together they must all match."""
    _fill(visit)
    visit.sign_in(ADMIN)  # appends signin.success as entry 5
    everything = visit.get(PAGE)
    assert everything.status_code == 200 and everything.headers["cache-control"] == "no-store"
    assert _seqs(everything.text) == [1, 2, 3, 4, 5]
    assert _seqs(visit.get(PAGE, co_quan="so-ct").text) == [4]
    assert _seqs(visit.get(PAGE, nguoi="token:aaaaaaaaaaaa").text) == [1, 2, 3]
    assert _seqs(visit.get(PAGE, hanh_dong="dataset.approve").text) == [4]
    assert _seqs(visit.get(PAGE, bo_du_lieu="yt.visits", sau="1").text) == [2, 3]
    assert _seqs(visit.get(PAGE, tu="2000-01-01T00:00", den="2000-01-02T00:00").text) == []
    assert _seqs(visit.get(PAGE, tu="2000-01-01", nguoi="", co_quan="so-yt").text) == [1, 2, 3]
    assert "Không có mục nào khớp" in words(visit.get(PAGE, co_quan="so-xd").text)


def test_pages_follow_with_a_cursor(visit: StaffVisit) -> None:
    """A page holds at most PAGE_SIZE entries and links to the next one with ?sau=."""
    for n in range(PAGE_SIZE + 3):
        visit.hub.audit.append(actions.RECORDS_WRITE, actor=HEALTH, details={"n": n})
    visit.sign_in(ADMIN)
    first = visit.get(PAGE, co_quan="so-yt")
    assert _seqs(first.text) == list(range(1, PAGE_SIZE + 1))
    link = re.search(r'href="/quan-ly/nhat-ky\?([^"]+)">Trang sau', first.text)
    assert link is not None and f"sau={PAGE_SIZE}" in link.group(1)
    second = visit.client.get(f"{PAGE}?{link.group(1).replace('&amp;', '&')}")
    assert _seqs(second.text) == [PAGE_SIZE + 1, PAGE_SIZE + 2, PAGE_SIZE + 3]
    assert "Trang sau" not in second.text


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"hanh_dong": "DROP TABLE"}, "hanh_dong", "không phải tên hành động"),
        ({"tu": "hôm qua"}, "tu", "không phải thời điểm ISO 8601"),
        ({"den": "2025-13-45"}, "den", "không phải thời điểm ISO 8601"),
        ({"sau": "-3"}, "sau", "không phải số thứ tự"),
        ({"sau": str(2**63)}, "sau", "không phải số thứ tự"),
        ({"co_quan": "x" * 201}, "co_quan", "Tối đa 200 ký tự"),
    ],
)
def test_a_bad_filter_is_named(
    visit: StaffVisit, params: dict[str, str], name: str, message: str
) -> None:
    """A bad filter value: 422, the message next to that filter, no entries listed."""
    _fill(visit)
    visit.sign_in(ADMIN)
    answer = visit.get(PAGE, **params)
    assert answer.status_code == 422
    error = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', answer.text)
    assert error is not None and message in error.group(1)
    assert _seqs(answer.text) == []


def test_verify_shows_ok_then_names_the_tampered_entry(visit: StaffVisit) -> None:
    """The button reports the chain intact with its entry count and head, then, with an
    entry's action edited in the table, names that entry as modified."""
    _fill(visit)
    visit.sign_in(ADMIN)
    ok = _verify(visit)
    assert ok.status_code == 200
    shown = words(ok.text)
    head = str(visit.hub.audit.verify().head)
    assert "Chuỗi nguyên vẹn: 5 mục" in shown and head in shown
    assert _verify(visit, head).status_code == 200

    _sql(visit, "UPDATE audit_log SET action = 'token.revoke' WHERE seq = 2")
    broken = words(_verify(visit).text)
    assert "Nhật ký kiểm toán đã bị can thiệp — mục 2 bị sửa" in broken
    assert "1 mục đầu tiên còn nguyên vẹn" in broken


def test_the_help_says_signed_anchors_catch_a_cut_without_a_pasted_head(
    visit: StaffVisit,
) -> None:
    """The help no longer asks the steward to paste a saved head: the signed anchors catch a
    cut tail or a recomputed chain. After an anchor, the head shown is optional to keep; with
    none yet, keeping it (or anchoring) is still what catches a cut."""
    _fill(visit)
    visit.sign_in(ADMIN)
    help_text = words(visit.get(PAGE).text)
    assert "mà không cần dán gì" in help_text and "Mốc đã lưu không bắt buộc" in help_text
    assert "Dán mốc đã lưu từ lần kiểm tra trước để phát hiện" not in help_text
    unanchored = words(_verify(visit).text)
    assert "chưa có mốc đã ký nào để đối chiếu" in unanchored
    assert visit.hub.audit.anchor() is not None
    anchored = words(_verify(visit).text)
    assert "Mốc đầu chuỗi — không cần lưu" in anchored
    assert "chưa có mốc đã ký nào" not in anchored


def test_verify_names_a_time_that_no_longer_parses(visit: StaffVisit) -> None:
    """Issue 23's tampering on the page: the list says an entry cannot be read (no 500), and
    the button names the entry and its column."""
    _fill(visit)
    visit.sign_in(ADMIN)
    _sql(visit, "UPDATE audit_log SET at = 'không phải giờ' WHERE seq = 3")
    listed = visit.get(PAGE)
    assert listed.status_code == 200
    assert "Không đọc được một mục" in words(listed.text)
    assert "Mục đã bị sửa: cột thời điểm (at) chứa" in words(listed.text)
    answer = _verify(visit)
    assert answer.status_code == 200
    shown = words(answer.text)
    assert "mục 3 bị sửa: Mục 3 đã bị sửa: cột thời điểm (at)" in shown
    assert "không phải giờ" in shown and "2 mục đầu tiên còn nguyên vẹn" in shown


def test_a_bad_head_is_refused_next_to_its_field(visit: StaffVisit) -> None:
    """A head that is not SEQ:HASH: 422 with the message beside the field."""
    visit.sign_in(ADMIN)
    answer = _verify(visit, "4:abc")
    assert answer.status_code == 422
    error = re.search(r'<p class="field-error" id="moc-error">([^<]*)</p>', answer.text)
    assert error is not None and "SỐ_THỨ_TỰ:BĂM" in error.group(1)


def test_verify_without_its_csrf_token_is_refused(visit: StaffVisit) -> None:
    """The verify button posted without the session's CSRF token: 403."""
    visit.sign_in(ADMIN)
    assert visit.client.post(VERIFY_PATH, data={}).status_code == 403


def test_every_known_action_has_a_vietnamese_label() -> None:
    """The label table covers exactly the actions the log records, none left blank."""
    assert set(ACTION_LABELS) == set(actions.KNOWN_ACTIONS)
    assert all(label.strip() for label in ACTION_LABELS.values())


def test_rows_show_the_action_label_and_details_as_key_value_lines(visit: StaffVisit) -> None:
    """An entry shows its action in Vietnamese beside its dotted name, and its details as
    ``key: value`` lines (text as is, other values as compact JSON), never a JSON object."""
    visit.hub.audit.append(
        actions.TOKEN_CREATE,
        actor=HEALTH,
        details={"token_id": "abc123", "roles": ["producer"], "days": 30},
    )
    visit.sign_in(ADMIN)
    shown = html.unescape(words(visit.get(PAGE, hanh_dong="token.create").text))
    assert "Cấp mã truy cập token.create" in shown
    assert 'days 30 roles ["producer"] token_id abc123' in shown  # keys as stored (sorted)
    assert "{" not in shown.split("Các mục", 1)[1]


def test_a_nested_detail_reads_as_key_value_pairs(visit: StaffVisit) -> None:
    """A detail whose value is an object (counts by rule) is shown as ``key: value`` pairs."""
    visit.hub.audit.append(
        actions.RECORDS_WRITE, actor=HEALTH, details={"rejected_by_rule": {"a": 1, "b": 2}}
    )
    visit.sign_in(ADMIN)
    shown = html.unescape(words(visit.get(PAGE, hanh_dong="records.write").text))
    assert "rejected_by_rule a: 1, b: 2" in shown


def test_verify_reports_a_forged_anchor_and_a_cut_tail(visit: StaffVisit) -> None:
    """The head anchored by `kho audit anchor`'s code path, then a forged anchor added and the
    last entry cut: the button names the cut entry against the signed anchor and reports the
    forged one (never trusted: its entry 99 is not called missing)."""
    visit.sign_in(ADMIN)  # signing in appends an entry too: before the anchor
    _fill(visit)
    head = visit.hub.audit.anchor()
    assert head is not None
    anchors = FileAnchors(visit.hub.settings.data_dir / "audit-anchors.jsonl")
    moment = dt.datetime.now(dt.UTC)
    anchors.append(sign(Anchor(99, "ab" * 32, 99, moment), Ed25519PrivateKey.generate()))
    _sql(visit, "DELETE FROM audit_log WHERE seq = :seq", seq=head.seq)
    shown = words(_verify(visit).text)
    assert f"mục {head.seq} bị cắt bớt ở cuối" in shown
    assert f"ngắn hơn mốc đã lưu ({head.seq})" in shown
    assert "Mốc giả mạo — Mốc ở dòng 2" in shown and "chữ ký không khớp" in shown
