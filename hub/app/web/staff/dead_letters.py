"""``/quan-ly/ban-ghi-loi``: the dead letters of the datasets a steward owns (an administrator:
every dataset), by dataset and rule; one letter with its original bytes and replays; its
correction in a form, and a plain replay.

Everything goes through the ``StewardDesk`` that ``kho dlq`` uses, acting as the signed-in
person: a replay is claimed, logged and audited (``dlq.replay``) exactly as on the command
line. Before a replay writes anything the desk checks the record as the replay will, so a
correction that is still wrong comes back in the form (422) with each rule's message next to
its field, and neither the dataset's topic nor its DLQ receives anything.

Who may open what follows the API: a restricted dataset of another agency does not exist
(404), another agency's dataset is refused (403), an unknown dataset or letter is not found.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub.app.web.people.csrf import checked_form
from hub.app.web.people.session import private
from hub.app.web.staff.dead_letter_access import dataset_of, desk_for, letter_of
from hub.app.web.staff.dead_letter_counts import letters_by_rule, rule_meanings
from hub.app.web.staff.dead_letter_form import (
    CorrectionForm,
    form_for,
    read_correction,
    shown_bytes,
)
from hub.app.web.staff.guard import Staff, for_staff
from hub.app.web.staff.tools import DEAD_LETTERS
from hub.app.web.templating import render
from hub.avro.schema import DatasetSchema
from hub.catalogue.models import DatasetEntry
from hub.dlq.correction import Correction
from hub.dlq.desk import LetterView, StewardDesk
from hub.dlq.errors import AlreadyReplayedError, DlqError, ReplayClaimedError
from hub.dlq.labels import source_label
from hub.dlq.replay import REPLAY_SOURCE_KIND
from hub.dlq.status import LetterStatus

ROOT = DEAD_LETTERS.path
LIST_LIMIT = 50
"""Letters a dataset's list shows: the newest, and the page says how many matched."""
RULE_PARAM = "quy-tac"


@for_staff(DEAD_LETTERS)
async def overview(request: Request, staff: Staff) -> Response:
    entries = [e for e in staff.hub.catalogue.catalogue.datasets if staff.owns(e)]
    summaries = await run_in_threadpool(lambda: [letters_by_rule(staff, e) for e in entries])
    return _page(request, staff, "staff/dead_letters.html", {"summaries": summaries})


@for_staff(DEAD_LETTERS)
async def dataset_letters(request: Request, staff: Staff) -> Response:
    entry = dataset_of(request, staff)
    if isinstance(entry, Response):
        return entry
    rule = request.query_params.get(RULE_PARAM) or None
    desk = desk_for(staff, entry)
    summary, page = await run_in_threadpool(
        lambda: (letters_by_rule(staff, entry, desk), desk.letters(rule=rule, limit=LIST_LIMIT))
    )
    context = {
        "summary": summary,
        "rule": rule,
        "letters": list(reversed(page.letters)),  # newest first
        "matching": page.matching,
        "limit": LIST_LIMIT,
        "source_label": source_label,
    }
    return _page(request, staff, "staff/dead_letter_list.html", context)


@for_staff(DEAD_LETTERS)
async def one_letter(request: Request, staff: Staff) -> Response:
    found = await letter_of(request, staff)
    if isinstance(found, Response):
        return found
    desk, view = found
    return await _letter_page(request, staff, desk, view, done=request.query_params.get("xong"))


@for_staff(DEAD_LETTERS)
async def correct_letter(request: Request, staff: Staff) -> Response:
    posted = await checked_form(request)
    found = await letter_of(request, staff)
    if isinstance(found, Response):
        return found
    desk, view = found
    shown = await run_in_threadpool(_form, staff, desk, view)
    form, correction = read_correction(posted, shown, _schema(staff, desk))
    if correction is None:
        return await _letter_page(request, staff, desk, view, form=form, status=422)
    return await _replay(request, staff, desk, view, form, correction)


@for_staff(DEAD_LETTERS)
async def replay_letter(request: Request, staff: Staff) -> Response:
    await checked_form(request)
    found = await letter_of(request, staff)
    if isinstance(found, Response):
        return found
    desk, view = found
    form = await run_in_threadpool(_form, staff, desk, view)
    return await _replay(request, staff, desk, view, form, None)


async def _replay(
    request: Request,
    staff: Staff,
    desk: StewardDesk,
    view: LetterView,
    form: CorrectionForm,
    correction: Correction | None,
) -> Response:
    """Checks the record as the replay will, then replays it through the desk: claimed, logged
    and audited as ``kho dlq replay`` does. A refusal comes back on the letter's page."""
    if view.status is not LetterStatus.PENDING:
        message = "Bản ghi này đã được phát lại trước đó nên không phát lại lần nữa."
        return await _letter_page(request, staff, desk, view, message=message, status=409)
    problems = await run_in_threadpool(desk.check, view, correction)
    if problems:
        form.refused(problems)
        return await _letter_page(request, staff, desk, view, form=form, status=422)
    try:
        await run_in_threadpool(lambda: desk.replay([str(view.address)], correction=correction))
    except (AlreadyReplayedError, ReplayClaimedError):
        fresh = await run_in_threadpool(desk.letter, str(view.address))
        message = "Bản ghi này vừa được phát lại ở nơi khác; xem kết quả bên dưới."
        return await _letter_page(request, staff, desk, fresh, message=message, status=409)
    except DlqError as refused:  # the desk's own words, which name what to do
        return await _letter_page(request, staff, desk, view, message=str(refused), status=409)
    return RedirectResponse(_letter_path(desk.entry, view) + "?xong=phat-lai", status_code=303)


async def _letter_page(
    request: Request,
    staff: Staff,
    desk: StewardDesk,
    view: LetterView,
    *,
    form: CorrectionForm | None = None,
    done: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    history = await run_in_threadpool(desk.history, view)
    if form is None:
        form = await run_in_threadpool(_form, staff, desk, view)
    letter = view.stored.letter
    context = {
        "entry": desk.entry,
        "dlq_topic": desk.topic,
        "view": view,
        "letter": letter,
        "source": source_label(letter.source),
        "came_from": _came_from(desk, view),
        "rules": rule_meanings(desk.entry),
        "original": shown_bytes(letter.original),
        "history": list(reversed(history)),
        "form": form,
        "done": done,
        "message": message,
        "base": _letter_path(desk.entry, view),
    }
    return _page(request, staff, "staff/dead_letter.html", context, status=status)


def _form(staff: Staff, desk: StewardDesk, view: LetterView) -> CorrectionForm:
    document, template = desk.editable_record(view)
    return form_for(document, template, _schema(staff, desk))


def _schema(staff: Staff, desk: StewardDesk) -> DatasetSchema:
    return staff.hub.catalogue.schema(desk.entry.id)


def _came_from(desk: StewardDesk, view: LetterView) -> str | None:
    """The address of the letter this one came from, when a replay refused it again."""
    source = view.stored.letter.source
    if source.get("kind") != REPLAY_SOURCE_KIND:
        return None
    topic, _, partition = str(source.get("name", "")).rpartition(":")
    return f"{partition}:{source.get('position')}" if topic == desk.topic else None


def _letter_path(entry: DatasetEntry, view: LetterView) -> str:
    return f"{ROOT}/{entry.id}/{view.address}"


def _page(
    request: Request, staff: Staff, name: str, context: dict[str, Any], *, status: int = 200
) -> Response:
    full = {
        "person": staff.person,
        "is_admin": staff.is_admin,
        "root": ROOT,
        "rule_param": RULE_PARAM,
        **context,
    }
    return private(render(request, name, full, status=status))


ROUTES: list[BaseRoute] = [
    Route(ROOT, overview, methods=["GET"], name="staff_dead_letters"),
    Route(ROOT + "/{dataset}", dataset_letters, methods=["GET"], name="staff_dataset_letters"),
    Route(ROOT + "/{dataset}/{address}", one_letter, methods=["GET"], name="staff_dead_letter"),
    Route(
        ROOT + "/{dataset}/{address}/sua",
        correct_letter,
        methods=["POST"],
        name="staff_correct_letter",
    ),
    Route(
        ROOT + "/{dataset}/{address}/phat-lai",
        replay_letter,
        methods=["POST"],
        name="staff_replay_letter",
    ),
]
