"""`make audit-deps` (scripts/audit_deps.py) reads pip-audit's JSON report: a package that could
not be audited, or an unlisted vulnerability, fails the audit; a listed one passes with its
reason until its review date. The reports are pip-audit's own format (its --format json)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.paths import PROJECT_ROOT

TODAY = dt.date(2026, 12, 7)


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "audit_deps", PROJECT_ROOT / "scripts" / "audit_deps.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


audit = load_script()


def report(*dependencies: dict[str, Any]) -> dict[str, Any]:
    return {"dependencies": list(dependencies), "fixes": []}


CLEAN = {"name": "anyio", "version": "4.16.0", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [
        {
            "id": "GHSA-h5c8-rqwp-cp95",
            "fix_versions": ["3.1.3"],
            "aliases": ["CVE-2024-22195"],
            "description": "...",
        }
    ],
}
UNREACHED = {
    "name": "attrs",
    "skip_reason": "Dependency not found on PyPI and could not be audited: attrs (26.1.0)",
}


def test_packages_that_could_not_be_audited_fail_even_with_no_vulnerability() -> None:
    """What pip-audit prints as "No known vulnerabilities found" when the service answered
    nothing: a failure, naming how many were not audited."""
    result = audit.verdict(report(CLEAN, UNREACHED), [], TODAY)
    assert not result.ok
    assert result.lines[0].startswith("FAILED: 1 of 2 packages could not be audited")
    assert not audit.verdict(report(), [], TODAY).ok  # nothing listed: nothing audited


def test_an_unlisted_vulnerability_fails_and_a_listed_one_passes_with_its_reason() -> None:
    assert audit.verdict(report(CLEAN), [], TODAY).ok
    failed = audit.verdict(report(CLEAN, VULNERABLE), [], TODAY)
    assert not failed.ok
    assert failed.lines == ["FAILED: jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"]
    reason = "Kho's templates are its own; the sandbox is not used"
    by_alias = audit.Allowed("CVE-2024-22195", "jinja2", reason, dt.date(2027, 1, 1))
    passed = audit.verdict(report(CLEAN, VULNERABLE), [by_alias], TODAY)
    assert passed.ok
    assert passed.lines[0] == f"allowed: jinja2 3.1.2: CVE-2024-22195: {reason}"


def test_an_entry_past_its_review_date_fails() -> None:
    stale = audit.Allowed("CVE-2024-22195", "jinja2", "why", dt.date(2026, 12, 6))
    result = audit.verdict(report(CLEAN, VULNERABLE), [stale], TODAY)
    assert not result.ok
    assert any("to be reviewed by 2026-12-06" in line for line in result.lines)


def test_the_allowlist_needs_a_reason_and_a_date(tmp_path: Path) -> None:
    path = tmp_path / "allow.toml"
    path.write_text('[[allow]]\nid = "CVE-1"\npackage = "x"\nreview_by = 2027-01-01\n')
    with pytest.raises(ValueError, match="entry 1 has no reason"):
        audit.read_allowlist(path)
    path.write_text('[[allow]]\nid = "CVE-1"\npackage = "x"\nreason = "r"\nreview_by = "soon"\n')
    with pytest.raises(ValueError, match="review_by must be a date"):
        audit.read_allowlist(path)
    assert audit.read_allowlist(audit.ALLOWLIST) == []  # the shipped list accepts nothing
