"""Errors as problem JSON (RFC 9457) with a stable ``code`` that scripts can rely on."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tocsin.errors import TocsinError

__all__ = ["install_problem_handlers", "problem"]

log = logging.getLogger("tocsin.web")

_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           409: "Conflict", 413: "Payload too large", 422: "Unprocessable content", 429: "Too many requests",
           503: "Service unavailable"}  # fmt: skip


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://tocsin.dev/problems/{code}",
        "title": _TITLES.get(status, "Error"),
    }
    body |= {"status": status, "code": code, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = [
        {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors[:5])
    return summary or "the request is not valid", errors


def install_problem_handlers(app: FastAPI) -> None:
    async def tocsin_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TocsinError)
        if exc.status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc.message)
        return problem(exc.status, exc.code, exc.message, **exc.details)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        detail, errors = _validation_detail(exc)
        return problem(422, "validation_error", detail, errors=errors)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, str(exc.detail))

    app.add_exception_handler(TocsinError, tocsin_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
