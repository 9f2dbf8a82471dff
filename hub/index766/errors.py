"""The index's own errors: input a caller gave that the index cannot use."""

from __future__ import annotations

from hub.errors import KhoError


class IndexInputError(KhoError):
    """A unit, period, indicator or outcome that does not parse or is not known; the message
    (Vietnamese) names the value. The API answers it with a 400."""
