"""Errors of the kernel's Kubernetes client, split by who must act.

::

    KubeError                   anything the client raises on purpose
    ├── KubeconfigError         the kubeconfig cannot be read or names no usable context
    ├── Unreachable             the API server cannot be reached (refused, timeout, TLS)
    ├── UnknownKind             discovery does not serve this apiVersion/kind
    └── ApiError                the server answered with a failure ``Status``
        ├── BadRequest (400)    ├── Unauthorized (401)  ├── Forbidden (403)
        ├── NotFound (404)      ├── Conflict (409)      │   └── AlreadyExists (409)
        ├── Gone (410)          ├── Invalid (422)       ├── TooManyRequests (429)
        └── ServerError (5xx)

``Unreachable`` is what severity treats as the crash state (μ = ∞): the server was not heard
from at all, which is different from any answer it gives.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "Gone",
    "Invalid",
    "KubeError",
    "KubeconfigError",
    "NotFound",
    "ServerError",
    "TooManyRequests",
    "Unauthorized",
    "UnknownKind",
    "Unreachable",
    "api_error",
]


class KubeError(Exception):
    """Base of every error the kernel's Kubernetes client raises on purpose."""


class KubeconfigError(KubeError):
    """The kubeconfig is missing, unreadable or names a context it does not define."""


class Unreachable(KubeError):
    """The API server did not answer: connection refused or reset, timeout, TLS failure."""


class UnknownKind(KubeError):
    """The server's discovery documents do not list this apiVersion and kind."""


class ApiError(KubeError):
    """The API server answered with a failure ``Status``; ``code``, ``reason`` and the
    server's ``message`` say what it refused."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if reason:
            self.reason = reason


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Unauthorized(ApiError):
    code, reason = 401, "Unauthorized"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class Conflict(ApiError):
    """A write lost a race (stale resourceVersion) or the name is taken."""

    code, reason = 409, "Conflict"


class AlreadyExists(Conflict):
    code, reason = 409, "AlreadyExists"


class Gone(ApiError):
    code, reason = 410, "Gone"


class Invalid(ApiError):
    """The server's validation refused the object (immutable fields included)."""

    code, reason = 422, "Invalid"


class TooManyRequests(ApiError):
    code, reason = 429, "TooManyRequests"


class ServerError(ApiError):
    code, reason = 500, "InternalError"


_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
}


def api_error(code: int, body: bytes | str | None, fallback: str = "") -> ApiError:
    """The error for an HTTP failure, from the ``Status`` body the server sent if any."""
    status: dict[str, Any] = {}
    try:
        parsed = json.loads(body or b"{}")
        if isinstance(parsed, dict):
            status = parsed
    except ValueError:
        pass
    message = str(status.get("message") or fallback or f"HTTP {code}")
    reason = str(status.get("reason") or "")
    if code == 409 and reason == "AlreadyExists":
        return AlreadyExists(message, code=code, reason=reason)
    cls = _BY_CODE.get(code, ServerError if code >= 500 else ApiError)
    return cls(message, code=code, reason=reason)
