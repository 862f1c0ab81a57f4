"""What a request comes back with: success, or an error of a kind clients react to."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ERROR_KINDS", "Outcome", "failure", "success"]

# dns: the name does not resolve; refused: nothing listens; timeout: no answer in time;
# auth: credentials rejected; unauthorized: not allowed to do this; tls: transport mismatch;
# error: the callee answered with an error
ERROR_KINDS = ("dns", "refused", "timeout", "auth", "unauthorized", "tls", "error")


class Outcome(NamedTuple):
    """Immutable; a tuple because requests make millions of them (cheaper than a frozen
    dataclass)."""

    ok: bool
    latency_ms: float
    kind: str = ""
    message: str = ""
    status: int = 200


def success(latency_ms: float) -> Outcome:
    return Outcome(True, latency_ms)


def failure(kind: str, message: str, latency_ms: float, status: int = 0) -> Outcome:
    if not status:
        status = {"timeout": 504, "refused": 503, "dns": 503, "auth": 401, "unauthorized": 403}.get(
            kind, 500
        )
    return Outcome(False, latency_ms, kind, message, status)
