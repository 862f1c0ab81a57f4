"""The one exception the query engine raises for a query it cannot answer."""

from __future__ import annotations

from typing import Literal

__all__ = ["ErrorType", "PromQLError", "bad_data", "execution"]

ErrorType = Literal["bad_data", "execution"]


class PromQLError(Exception):
    """A rejected query, shaped like a Prometheus API error.

    ``error_type`` is the API's ``errorType``: ``bad_data`` for anything wrong with the request
    itself (syntax, unsupported feature, bad argument), ``execution`` for data-dependent failures
    such as ambiguous vector matching. ``param`` names the request parameter at fault, which
    the HTTP layer puts in front of the message (``invalid parameter "query": ...``).
    """

    def __init__(
        self, message: str, error_type: ErrorType = "bad_data", param: str | None = "query"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type: ErrorType = error_type
        self.param = param if error_type == "bad_data" else None


def bad_data(message: str, param: str | None = "query") -> PromQLError:
    return PromQLError(message, "bad_data", param)


def execution(message: str) -> PromQLError:
    return PromQLError(message, "execution", None)
