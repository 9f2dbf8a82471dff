"""The open-data publisher: approved datasets, stripped of personal data, onto a portal."""

from opendata.errors import PublishError
from opendata.publisher import Publisher, PublishResult

__all__ = ["PublishError", "PublishResult", "Publisher"]
