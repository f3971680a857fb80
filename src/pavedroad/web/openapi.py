"""One error shape for every refused API request, and an OpenAPI document that says so.

Every refusal answers `{"detail": "<one sentence>", "problems": [...]}`: `problems` locates each
reason (a file's line and field, or a request's `query`/`path`/`body` field) and is empty when
the refusal is not about input. FastAPI's own validation answer (`{"detail": [...]}`) is
translated to the same shape, and the document promises it for every operation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from pavedroad.errors import InputProblem


class RefusalReasonOut(BaseModel):
    """One located reason a request or a file was refused."""

    source: str = Field(description="The file, or `query`, `path`, `body`, `header` of a request")
    line: int | None = Field(description="The line in the file, when there is one")
    field: str | None = Field(description="The column, key or parameter")
    reason: str


class ErrorOut(BaseModel):
    """What every refused API request answers."""

    detail: str = Field(description="What was refused and why, in one sentence")
    problems: list[RefusalReasonOut] = Field(default_factory=list)


# What any operation may answer besides its own success; writes may also conflict.
_ANY_OPERATION = {
    400: "The request names something malformed (a window, a date, an address).",
    401: "The bearer token is missing, unknown, expired or revoked.",
    403: "The token's scope does not allow this operation.",
    404: "Nothing has this name or id.",
    422: "The request's input was refused; `problems` says where and why.",
    503: "The database schema is behind this version of pavedroad.",
}
_WRITES = {409: "The request conflicts with what is stored."}
_WRITE_METHODS = {"post", "put", "patch", "delete"}


def error_body(detail: str, problems: Iterable[InputProblem] = ()) -> dict[str, Any]:
    """The JSON body of a refusal."""
    return ErrorOut(
        detail=detail,
        problems=[
            RefusalReasonOut(source=p.source, line=p.line, field=p.field, reason=p.reason)
            for p in problems
        ],
    ).model_dump()


def validation_problems(exc: RequestValidationError) -> list[InputProblem]:
    """FastAPI's validation errors as located problems, without the raw input they carry."""
    problems = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        source = location[0] if location else "request"
        field = ".".join(location[1:]) or None
        problems.append(InputProblem(source=source, field=field, reason=error.get("msg", "")))
    return problems


def validation_detail(problems: list[InputProblem]) -> str:
    """One sentence for a refused request: each field and its reason."""
    return "; ".join(f"{p.source}.{p.field}: {p.reason}" if p.field else p.reason for p in problems)


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` describe the one error shape on every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, RefusalReasonOut):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        reference = {"$ref": "#/components/schemas/ErrorOut"}
        for operations in document.get("paths", {}).values():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                errors = dict(_ANY_OPERATION)
                if method in _WRITE_METHODS:
                    errors.update(_WRITES)
                responses = operation["responses"]
                for status, description in errors.items():
                    answer = responses.setdefault(str(status), {"description": description})
                    if status == 422:
                        answer["description"] = description
                    answer["content"] = {"application/json": {"schema": reference}}
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
