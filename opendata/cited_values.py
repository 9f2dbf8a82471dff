"""A publication's description may cite its data: ``{column}`` in the spec's description becomes
the distinct values of that published column, sorted and comma-separated (the 766 index's
description names the method version its rows were computed by, a fact kept once, in the data's
source). The text is filled when the publication is materialised, so the DCAT-AP description and
the portal's notes always say what the files hold."""

from __future__ import annotations

import re

from hub.catalogue.models import LocalizedText
from opendata.description import Bilingual
from opendata.errors import PublishBlocked
from opendata.table import Table

CITATION = re.compile(r"\{([a-z][a-z0-9_]{0,62})\}")
"""``{column}``: a column name in braces (other braces are left as written)."""


def cited_columns(text: LocalizedText | None) -> tuple[str, ...]:
    """The columns a description cites, in order of first mention, both languages."""
    if text is None:
        return ()
    names = CITATION.findall(text.vi) + CITATION.findall(text.en)
    return tuple(dict.fromkeys(names))


def fill_citations(text: LocalizedText, table: Table) -> Bilingual:
    """The description with each ``{column}`` replaced by the column's distinct non-empty
    values in the table; a cited column the table does not publish blocks the publication."""
    values: dict[str, str] = {}
    for name in cited_columns(text):
        if name not in table.names:
            raise PublishBlocked(
                f"mô tả ấn phẩm trích cột {{{name}}} nhưng cột này không được công bố"
                f" (các cột: {', '.join(table.names)})"
            )
        column = table.column_values[table.names.index(name)]
        values[name] = ", ".join(sorted({str(v) for v in column if v is not None}))
    return Bilingual(
        _filled(text.vi, values, "(không có)"),
        _filled(text.en, values, "(none)"),
    )


def _filled(text: str, values: dict[str, str], empty: str) -> str:
    return CITATION.sub(lambda m: values.get(m[1], m[0]) or empty, text)
