"""How a publish run treats the portal: how it withdraws a publication (made private or
deleted), and how long it keeps retrying a portal that is unavailable."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from opendata.errors import PortalUnavailable
from opendata.portal.port import WithdrawMode

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True)
class PublishPolicy:
    withdraw_mode: WithdrawMode = "private"
    retries: int = 5
    backoff_s: float = 1.0

    def retrying(self, call: Callable[[], _T]) -> _T:
        """The call's answer, the call retried with exponential backoff while the portal is
        unavailable (``retries`` times at most)."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(PortalUnavailable),
            stop=tenacity.stop_after_attempt(self.retries + 1),
            wait=tenacity.wait_exponential(multiplier=self.backoff_s, max=60),
            before_sleep=lambda state: log.warning(
                "portal unavailable (attempt %d), retrying: %s",
                state.attempt_number,
                state.outcome.exception() if state.outcome else "",
            ),
            reraise=True,
        )
        return retrying(call)
