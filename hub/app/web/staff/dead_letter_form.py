"""The correction form of a dead letter, and how its original bytes are shown.

A flat record (every value a string, number, true/false or empty) is edited field by field: a
string field takes what is typed, and another field reads it as a JSON value (``10.5``,
``true``), keeping the text when it is not one, so the replay's validation names the field and
its type. Any other record is edited as one JSON object in a text area. Either way the form
becomes the same ``Correction`` that ``kho dlq replay --record`` reads from a file, and the
replay judges it: nothing here decides whether a record is valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from hub.avro.schema import DatasetSchema
from hub.dlq.correction import Correction, parse_correction
from hub.dlq.errors import CorrectionFileError
from hub.ingest.validation import Violation

FIELD_PREFIX = "truong."
"""The inputs' names: ``truong.<field>``, apart from the CSRF token's."""
JSON_INPUT = "ban-ghi-json"
"""The text area's name, for a record that is not flat."""
WHOLE_RECORD = "$"
"""The key of the errors that name no single field of the form."""
TEXT_SHOWN = 20_000
"""Characters of an original payload shown as text."""
HEX_SHOWN = 2_048
"""Bytes of a binary original payload shown in hexadecimal."""

_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class FormField:
    name: str
    text: str
    is_text: bool
    """A string field: what is typed is the value. Otherwise the text is read as JSON."""
    doc: str = ""
    hint: str = ""
    """How to write the value (``số nguyên``, a date's form...), from the field's type."""


@dataclass
class CorrectionForm:
    """The record being corrected, as fields (a flat record) or as JSON text, with the errors
    by field name (``$``: the record as a whole)."""

    fields: list[FormField]
    json_text: str
    template: bool
    """The letter holds no record: the fields are the schema's, empty."""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def as_json(self) -> bool:
        return not self.fields

    def refused(self, violations: list[Violation]) -> None:
        """Each rule the replay would still break, next to its field (``$.name``)."""
        names = {f.name for f in self.fields}
        for violation in violations:
            name = violation.path.removeprefix("$.")
            key = name if name in names else WHOLE_RECORD
            message = violation.message if key != WHOLE_RECORD else _whole(violation)
            self.errors[key] = "; ".join(filter(None, (self.errors.get(key), message)))


def form_for(document: dict[str, Any], template: bool, schema: DatasetSchema) -> CorrectionForm:
    """The form prefilled with the letter's editable record (``StewardDesk.editable_record``)."""
    if not all(isinstance(value, _SCALARS) for value in document.values()):
        return CorrectionForm([], _pretty(document), template)
    names = [*schema.field_names, *(n for n in document if n not in schema.field_names)]
    fields = [
        FormField(
            name,
            _as_text(document.get(name)),
            _is_text(schema, name),
            _doc(schema, name),
            _hint(schema, name),
        )
        for name in names
    ]
    return CorrectionForm(fields, _pretty(document), template)


def read_correction(
    posted: FormData, shown: CorrectionForm, schema: DatasetSchema
) -> tuple[CorrectionForm, Correction | None]:
    """The form as posted (to show again), and the correction it holds, unless the JSON text
    cannot be read as one object (then the error is on the form)."""
    if shown.as_json:
        text = _text(posted, JSON_INPUT)
        form = CorrectionForm([], text, shown.template)
        raw = text.encode("utf-8")
    else:
        fields = [
            FormField(f.name, _text(posted, FIELD_PREFIX + f.name), f.is_text, f.doc, f.hint)
            for f in shown.fields
        ]
        form = CorrectionForm(fields, shown.json_text, shown.template)
        document = {f.name: _value(schema, f) for f in fields}
        raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    try:
        return form, parse_correction(raw, "Nội dung")
    except CorrectionFileError as exc:
        form.errors[WHOLE_RECORD] = str(exc)
        return form, None


@dataclass(frozen=True)
class ShownBytes:
    """A letter's original payload as a page shows it: text when it is UTF-8 text, otherwise
    the start of it in hexadecimal; ``cut`` when only the start is shown."""

    size: int
    text: str | None
    hex: str
    cut: bool


def shown_bytes(original: bytes) -> ShownBytes:
    try:
        text = original.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None and not any(c < " " and c not in "\t\n\r" for c in text):
        return ShownBytes(len(original), text[:TEXT_SHOWN], "", len(text) > TEXT_SHOWN)
    head = original[:HEX_SHOWN]
    return ShownBytes(len(original), None, head.hex(" ", 1), len(original) > HEX_SHOWN)


def _value(schema: DatasetSchema, posted: FormField) -> Any:
    """A field's value: a string field's text (empty: null when the field allows it), another
    field's text read as JSON (empty: null; not JSON: the text, for validation to name)."""
    if posted.is_text:
        return None if not posted.text and _nullable(schema, posted.name) else posted.text
    if not posted.text.strip():
        return None
    try:
        return json.loads(posted.text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return posted.text


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _is_text(schema: DatasetSchema, name: str) -> bool:
    """Whether the field holds text: a string or an enum's symbol (or null)."""
    shape, _ = _shape(schema, name)
    return shape == "string" or (isinstance(shape, dict) and shape.get("type") == "enum")


def _nullable(schema: DatasetSchema, name: str) -> bool:
    return _shape(schema, name)[1]


_HINTS = {
    "int": "số nguyên",
    "long": "số nguyên",
    "float": "số, dấu chấm thập phân, ví dụ 10.5",
    "double": "số, dấu chấm thập phân, ví dụ 10.5",
    "boolean": "true hoặc false",
    "timestamp-millis": "ngày giờ ISO 8601, ví dụ 2025-07-01T08:30:00+07:00",
    "timestamp-micros": "ngày giờ ISO 8601, ví dụ 2025-07-01T08:30:00+07:00",
    "date": "ngày dạng YYYY-MM-DD",
    "bytes": "base64",
    "string": "",
}


def _hint(schema: DatasetSchema, name: str) -> str:
    """How to write the field's value, from its Avro type; empty for plain text."""
    shape, nullable = _shape(schema, name)
    if isinstance(shape, dict) and shape.get("type") == "enum":
        hint = "một trong: " + ", ".join(str(s) for s in shape.get("symbols", ()))
    elif isinstance(shape, dict):
        hint = _HINTS.get(str(shape.get("logicalType") or shape.get("type")), "giá trị JSON")
    else:
        hint = _HINTS.get(str(shape), "giá trị JSON")
    if nullable:
        return f"{hint}; để trống nếu không có" if hint else "để trống nếu không có"
    return hint


def _shape(schema: DatasetSchema, name: str) -> tuple[Any, bool]:
    """The field's Avro type without its null branch (None: not in the schema, or a union of
    several types), and whether it may be null."""
    for f in schema.definition["fields"]:
        if f["name"] == name:
            branches = f["type"] if isinstance(f["type"], list) else [f["type"]]
            shapes = [b for b in branches if b != "null"]
            return (shapes[0] if len(shapes) == 1 else None), "null" in branches
    return None, True


def _doc(schema: DatasetSchema, name: str) -> str:
    """The Vietnamese half of the field's description (``vi | en``), without its closing full
    stop: it labels the field."""
    try:
        return schema.field_doc(name).split(" | ", 1)[0].strip().removesuffix(".")
    except KeyError:
        return "Trường không có trong lược đồ."


def _whole(violation: Violation) -> str:
    if violation.path == WHOLE_RECORD:
        return violation.message
    return f"{violation.path}: {violation.message}"


def _pretty(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""
