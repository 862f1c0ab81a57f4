"""Errors of the emulated cloud.

::

    SimError                       anything the emulator raises on purpose
    ├── ApiError                   answered to API clients as a Kubernetes ``Status``
    │   ├── BadRequest (400)       ├── Forbidden (403)      ├── NotFound (404)
    │   ├── MethodNotAllowed (405) ├── NotAcceptable (406)  ├── AlreadyExists (409)
    │   ├── Conflict (409)         ├── Gone (410)           ├── RequestEntityTooLarge (413)
    │   ├── UnsupportedMediaType (415)                      ├── Invalid (422)
    │   ├── TooManyRequests (429)  └── InternalError (500)
    └── DefinitionError            a data file (behaviour, app, type) is wrong: its author must act

API errors are for the client that sent the request; definition errors are for whoever wrote
the file, so they carry the file, the path inside it and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Conflict",
    "DefinitionError",
    "FieldError",
    "Forbidden",
    "Gone",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "RequestEntityTooLarge",
    "SimError",
    "TooManyRequests",
    "UnsupportedMediaType",
]


class SimError(Exception):
    """Base of every error the emulated cloud raises on purpose."""


class ApiError(SimError):
    """An error answered to an API client as a ``Status`` object."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(ApiError):
    code, reason = 405, "MethodNotAllowed"


class NotAcceptable(ApiError):
    code, reason = 406, "NotAcceptable"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"


class Conflict(ApiError):
    code, reason = 409, "Conflict"


class Gone(ApiError):
    code, reason = 410, "Expired"


class RequestEntityTooLarge(ApiError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(ApiError):
    code, reason = 415, "UnsupportedMediaType"


class TooManyRequests(ApiError):
    code, reason = 429, "TooManyRequests"


class InternalError(ApiError):
    code, reason = 500, "InternalError"


@dataclass(frozen=True)
class FieldError:
    """One cause of a 422: a field path, the kind of problem and a human message."""

    field: str
    reason: str  # FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, ...
    detail: str

    def describe(self) -> str:
        return f"{self.field}: {self.detail}"


class Invalid(ApiError):
    code, reason = 422, "Invalid"

    def __init__(
        self, qualified_kind: str, name: str, errors: list[FieldError], *, group: str, kind: str
    ) -> None:
        if len(errors) == 1:
            summary = errors[0].describe()
        else:
            summary = "[" + ", ".join(e.describe() for e in errors) + "]"
        super().__init__(
            f'{qualified_kind} "{name}" is invalid: {summary}',
            details={
                "name": name,
                "group": group,
                "kind": kind,
                "causes": [
                    {"reason": e.reason, "message": e.detail, "field": e.field} for e in errors
                ],
            },
        )
        self.errors = errors


class DefinitionError(SimError):
    """A data file is malformed: names the file, the path inside it and what is wrong."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.path = path
        self.reason = reason
