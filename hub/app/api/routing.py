"""Starlette routes made from the endpoint declarations: each route authenticates its caller
(``AuthenticationMiddleware`` with the endpoint's ``Access``) and serialises the model its
handler returns, checking that the model is the one declared for the status."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog
from pydantic import BaseModel
from starlette.authentication import AuthenticationError
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from hub.app.api.authentication import AgencyUser, TokenBackend
from hub.app.api.endpoint import Access, Endpoint, Reply
from hub.app.api.errors import VietnameseJSONResponse

OnRefusal = Callable[[HTTPConnection, AuthenticationError], Response]


def routes(endpoints: Sequence[Endpoint], on_refusal: OnRefusal) -> list[Route]:
    return [route(endpoint, on_refusal) for endpoint in endpoints]


def route(endpoint: Endpoint, on_refusal: OnRefusal) -> Route:
    middleware = []
    if endpoint.access is not Access.OPEN:
        backend = TokenBackend(endpoint.access)
        middleware.append(
            Middleware(AuthenticationMiddleware, backend=backend, on_error=on_refusal)
        )

    async def answer(request: Request) -> Response:
        bind_caller(request)
        result = await endpoint.handler(request)
        if isinstance(result, Response):
            return result
        reply = result if isinstance(result, Reply) else Reply(result)
        return serialise(endpoint, reply)

    return Route(
        endpoint.path,
        answer,
        methods=[endpoint.method],
        name=endpoint.operation_id,
        middleware=middleware,
    )


def bind_caller(request: Request) -> None:
    """The dataset the path names and the calling agency, on every log line of the request
    (the request id is bound by hub/app/api/observability.py)."""
    fields: dict[str, str] = {}
    dataset = request.path_params.get("dataset_id")
    if dataset is not None:
        fields["dataset"] = str(dataset)
    user = request.scope.get("user")
    if isinstance(user, AgencyUser):
        fields["agency"] = user.credential.agency
    if fields:
        structlog.contextvars.bind_contextvars(**fields)


def serialise(endpoint: Endpoint, reply: Reply) -> Response:
    """The reply's model as JSON; only the keys it was given (an optional key left out stays
    out), in the media type declared for the status."""
    declared = endpoint.answers.get(reply.status_code)
    if declared is None or declared.model is None or not isinstance(reply.model, declared.model):
        raise TypeError(
            f"{endpoint.operation_id} answered {type(reply.model).__name__} with "
            f"{reply.status_code}, which its declaration does not say"
        )
    return VietnameseJSONResponse(
        body_of(reply.model),
        status_code=reply.status_code,
        headers=reply.headers,
        media_type=declared.media_type,
    )


def body_of(model: BaseModel) -> object:
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)
