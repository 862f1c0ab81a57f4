"""Errors of the observation clients, split by who must act.

::

    ObserveError            anything an observation client raises on purpose
    ├── EndpointUnreachable the endpoint did not answer (refused, reset, timeout): the operator
    ├── BadResponse         it answered with something that is not its API: the endpoint's owner
    └── QueryRejected       it refused the request (``bad_data``, ``execution``): the caller

Only ``EndpointUnreachable`` of the Kubernetes API server means the crash state to severity;
an unreachable Prometheus means severity cannot be measured at all.
"""

from __future__ import annotations

__all__ = ["BadResponse", "EndpointUnreachable", "ObserveError", "QueryRejected"]


class ObserveError(Exception):
    """Base of every error an observation client raises on purpose."""


class EndpointUnreachable(ObserveError):
    """The endpoint could not be reached or did not answer in time."""


class BadResponse(ObserveError):
    """The endpoint answered, but not with what its API promises (status, JSON, shape)."""


class QueryRejected(ObserveError):
    """The endpoint refused the request; ``error_type`` is its own word for why (Prometheus'
    ``bad_data``, ``execution``, ``timeout``...; ``http_400`` for Jaeger)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
