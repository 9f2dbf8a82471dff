from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.app.wiring import Hub
from tests.unit.web.staff.staff_visit import StaffVisit, staff_visit


@pytest.fixture
def visit(embedded_hub: Hub) -> Iterator[StaffVisit]:
    yield from staff_visit(embedded_hub)
