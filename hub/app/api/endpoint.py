"""One endpoint, declared once: its method and path, its handler, who may call it, what it
reads and what it answers for each status. The Starlette routes (hub/app/api/routing.py) and
``/openapi.json`` (hub/app/api/openapi_document.py) are both made from these declarations."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"


class Access(Enum):
    """Who may call an endpoint, checked by the authentication middleware before the handler."""

    OPEN = "open"
    """No authentication at all: a token, valid or not, is not even read."""
    PUBLIC = "public"
    """Anyone; a caller that sends an agency token is that agency (a bad token is a 401)."""
    AGENCY = "agency"
    """An agency's token (``kho_…``)."""
    SUBJECT = "subject"
    """A citizen's or organisation's sign-in token (a JWT); an agency's token is a 403."""
    AGENCY_OR_SUBJECT = "agency_or_subject"
    """Either, whichever was sent."""
    REGISTRY_CHANGE = "registry_change"
    """An agency's token as Bearer, or as the password of HTTP Basic (Confluent clients)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer with another status than the endpoint's first, or with headers."""

    model: BaseModel
    status_code: int = 200
    headers: Mapping[str, str] | None = None


Method = Literal["GET", "POST", "PUT", "DELETE"]

Handler = Callable[[Request], Awaitable[BaseModel | Reply | Response]]
"""A handler returns its answer model (200), a Reply, or a Response of its own (SSE, text)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One documented status: what it means, and the model of its body (None: no JSON body)."""

    description: str
    model: type[BaseModel] | None = None
    media_type: str = JSON


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    where: Literal["path", "query", "header"]
    description: str = ""
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False

    def described(self) -> dict[str, Any]:
        described: dict[str, Any] = {"name": self.name, "in": self.where}
        if self.required or self.where == "path":
            described["required"] = True
        described["schema"] = dict(self.schema)
        if self.description:
            described["description"] = self.description
        return described


@dataclass(frozen=True, slots=True)
class Body:
    """The request body: its model, parsed in "validation" mode."""

    model: type[BaseModel]
    description: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: Method
    path: str
    """Starlette's path, convertors included (``{evidence_id:path}``)."""
    handler: Handler
    operation_id: str
    summary: str
    answers: Mapping[int, Answer]
    access: Access = Access.PUBLIC
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    body: Body | None = None
    tags: tuple[str, ...] = ()

    @property
    def openapi_path(self) -> str:
        """The path as OpenAPI writes it: ``{name}`` without Starlette's convertor."""
        return openapi_path(self.path)


def openapi_path(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)
