"""A subject's access log as the subject reads it: who acted on their data, when, for which
procedure, in Vietnamese. Built from the audit entries indexed under the subject."""

from __future__ import annotations

from typing import Any

from hub.audit.actions import (
    CONSENT_GRANT,
    CONSENT_REVOKE,
    EVIDENCE_READ,
    EVIDENCE_RECORD,
    EVIDENCE_REFUSED,
)
from hub.audit.entry import AuditEntry
from hub.catalogue.models import Catalogue
from hub.provide_once.procedures import ProcedureCatalogue
from hub.vietnam_time import VIETNAM_TZ

_OPERATIONS = {
    "prefill": "lấy giấy tờ để điền sẵn hồ sơ",
    "record": "ghi giấy tờ",
    "history": "xem lịch sử giấy tờ",
    "consent.grant": "ghi đồng ý",
    "consent.revoke": "rút đồng ý",
    "access_log": "xem nhật ký truy cập",
}


class AccessLogView:
    def __init__(self, catalogue: Catalogue, procedures: ProcedureCatalogue) -> None:
        self._agencies = {agency.id: agency.name for agency in catalogue.agencies}
        self._procedures = procedures

    def describe(self, entry: AuditEntry) -> dict[str, Any]:
        details = entry.details
        agency = entry.actor.agency
        procedure_code = details.get("procedure") or details.get("purpose")
        procedure = self._procedures.procedure(procedure_code) if procedure_code else None
        return {
            "seq": entry.seq,
            "at": entry.at.astimezone(VIETNAM_TZ).isoformat(),
            "action": entry.action,
            "agency": agency,
            "agency_name": self._agencies.get(agency or ""),
            "procedure": {"code": procedure.code, "name": procedure.name} if procedure else None,
            "evidence": self._evidence(entry),
            "refused": details.get("code") if entry.action == EVIDENCE_REFUSED else None,
            "summary": self._summary(entry, procedure.name if procedure else None),
        }

    def _evidence(self, entry: AuditEntry) -> list[dict[str, Any]]:
        details = entry.details
        if entry.action == EVIDENCE_READ and "evidence" in details:
            return [{"evidence_id": i, "version": v} for i, v in details["evidence"]]
        if "evidence_id" in details:
            return [{"evidence_id": details["evidence_id"], "version": details.get("version")}]
        if "history_of" in details:
            return [{"evidence_id": details["history_of"], "version": None}]
        return []

    def _who(self, entry: AuditEntry) -> str:
        """The agency that acted, "Bạn" for the subject, or the hub's own operators."""
        if entry.actor.agency:
            return self._agencies.get(entry.actor.agency, entry.actor.agency)
        if entry.actor.principal.startswith("subject:"):
            return "Bạn"
        return "Quản trị viên hệ thống Kho"

    def _summary(self, entry: AuditEntry, procedure: str | None) -> str:
        details = entry.details
        who = self._who(entry)
        for_procedure = f" cho thủ tục {procedure}" if procedure else ""
        if entry.action == EVIDENCE_READ and "history_of" in details:
            return f"{who} đã xem lịch sử giấy tờ {details['history_of']}"
        if entry.action == EVIDENCE_READ:
            count = len(details.get("evidence", []))
            return f"{who} đã xem {count} giấy tờ của bạn{for_procedure}"
        if entry.action == EVIDENCE_RECORD:
            kind = self._procedures.evidence_type(str(details.get("evidence_type")))
            name = kind.name if kind else details.get("evidence_type")
            verb = "đính chính" if details.get("outcome") == "corrected" else "ghi"
            return f"{who} đã {verb} {name} (phiên bản {details.get('version')})"
        if entry.action == CONSENT_GRANT:
            agency = self._agencies.get(str(details.get("agency")), details.get("agency"))
            return f"Bạn đã đồng ý cho {agency} dùng giấy tờ{for_procedure}"
        if entry.action == CONSENT_REVOKE:
            agency = self._agencies.get(str(details.get("agency")), details.get("agency"))
            return f"Bạn đã rút đồng ý cho {agency}{for_procedure}"
        if entry.action == EVIDENCE_REFUSED:
            operation = _OPERATIONS.get(str(details.get("operation")), "truy cập")
            return f"{who} bị từ chối khi {operation}{for_procedure}: {details.get('message')}"
        return entry.action
