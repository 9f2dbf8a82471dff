"""`make audit-deps`: pip-audit over the packages installed in the project's venv, against an
allowlist of known vulnerabilities each with its reason and a date to look again.

It fails (exit 1) with a clear message when:
- a known vulnerability is not on the allowlist;
- a package could not be audited (pip-audit then still says "No known vulnerabilities found":
  that is never taken as a pass), e.g. the vulnerability service did not answer;
- pip-audit itself failed (the service could not be reached at all);
- an allowlist entry has no reason, or its review date has passed.

``KHO_AUDIT_SERVICE`` picks pip-audit's vulnerability service (``pypi``, its default, or
``osv``). Run as ``.venv/bin/python scripts/audit_deps.py [--allowlist FILE]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALLOWLIST = Path(__file__).with_name("audit-deps-allowlist.toml")
PROJECT = "kho"
"""The project itself, installed editable: not a published package, never audited."""


@dataclass(frozen=True, slots=True)
class Allowed:
    id: str
    package: str
    reason: str
    review_by: dt.date


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    lines: list[str]


def read_allowlist(path: Path) -> list[Allowed]:
    """The entries of ``[[allow]]`` tables; a missing field is a ValueError naming the entry."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for number, entry in enumerate(raw.get("allow", []), start=1):
        missing = [k for k in ("id", "package", "reason", "review_by") if not entry.get(k)]
        if missing:
            raise ValueError(f"{path.name}: entry {number} has no {', '.join(missing)}")
        review_by = entry["review_by"]
        if not isinstance(review_by, dt.date):
            raise ValueError(f"{path.name}: entry {number}: review_by must be a date (2026-03-01)")
        entries.append(Allowed(entry["id"], entry["package"], entry["reason"].strip(), review_by))
    return entries


def verdict(report: dict[str, Any], allowed: list[Allowed], today: dt.date) -> Verdict:
    """What pip-audit's JSON report means, against the allowlist."""
    dependencies = [d for d in report.get("dependencies", []) if d.get("name") != PROJECT]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    lines: list[str] = []
    ok = True
    if not dependencies:
        return Verdict(False, ["FAILED: pip-audit reported no package at all; nothing was audited"])
    if skipped:
        ok = False
        lines.append(
            f"FAILED: {len(skipped)} of {len(dependencies)} packages could not be audited "
            "(the vulnerability service did not know them or did not answer); this is not a "
            "clean audit. For example:"
        )
        lines += [f"  {d['name']}: {d['skip_reason']}" for d in skipped[:5]]
    by_id = {a.id: a for a in allowed}
    seen: set[str] = set()
    for dependency in audited:
        for vulnerability in dependency.get("vulns", []):
            ids = {vulnerability["id"], *vulnerability.get("aliases", [])}
            entry = next((by_id[i] for i in sorted(ids) if i in by_id), None)
            name = f"{dependency['name']} {dependency.get('version', '')}".strip()
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version"
            if entry is None:
                ok = False
                lines.append(f"FAILED: {name}: {vulnerability['id']} (fixed in {fixed})")
            else:
                seen.add(entry.id)
                lines.append(f"allowed: {name}: {entry.id}: {entry.reason}")
    for entry in allowed:
        if entry.review_by < today:
            ok = False
            lines.append(
                f"FAILED: the allowlist's {entry.id} ({entry.package}) was to be reviewed by "
                f"{entry.review_by}: check it again and move the date, or remove it"
            )
        elif entry.id not in seen and not skipped:
            lines.append(f"note: the allowlist's {entry.id} ({entry.package}) no longer applies")
    if ok:
        lines.append(
            f"OK: {len(audited)} packages audited, no known vulnerability outside the allowlist"
        )
    return Verdict(ok, lines)


def run_pip_audit(service: str) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report (None when it wrote none) and its error output."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--local",
            "--skip-editable",
            "--progress-spinner",
            "off",
            "--vulnerability-service",
            service,
            "--format",
            "json",
            "--output",
            str(output),
        ]
        # no --ignore-vuln: the allowlisted ones stay in the report, and verdict() shows each
        # with its reason
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        report = json.loads(output.read_text(encoding="utf-8")) if output.exists() else None
        return report, done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allowlist", type=Path, default=ALLOWLIST)
    arguments = parser.parse_args()
    service = os.environ.get("KHO_AUDIT_SERVICE", "pypi")
    try:
        allowed = read_allowlist(arguments.allowlist)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        print(f"FAILED: the allowlist {arguments.allowlist}: {exc}", file=sys.stderr)
        return 1
    report, errors = run_pip_audit(service)
    if report is None:
        last = [line for line in errors.strip().splitlines() if line.strip()][-1:] or ["?"]
        print(
            f"FAILED: pip-audit could not audit with the '{service}' service; its last line:\n"
            f"  {last[0]}\nRun it where the service can be reached (SECURITY.md).",
            file=sys.stderr,
        )
        return 1
    result = verdict(report, allowed, dt.date.today())
    for line in result.lines:
        print(line, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
