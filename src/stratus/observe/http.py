"""JSON over HTTP for the observation clients: one place maps transport failures and
non-API answers to the observe error tree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Self

import httpx

from stratus.observe.errors import BadResponse, EndpointUnreachable

__all__ = ["EndpointClient", "JsonHttp", "Params"]

Params = Mapping[str, str | Sequence[str]]
_SNIPPET = 200


class JsonHttp:
    """A small JSON client for one endpoint; ``transport`` lets tests answer in-process."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.what = what
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers=dict(headers or {}),
            transport=transport,
        )

    def get(self, path: str, params: Params | None = None) -> tuple[int, Any]:
        """The HTTP status and the decoded JSON body of ``GET path``."""
        try:
            response = self._client.get(path, params=_flatten(params))
        except httpx.TimeoutException as exc:
            raise EndpointUnreachable(f"{self.what} at {self.base_url} timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise EndpointUnreachable(
                f"{self.what} at {self.base_url} is unreachable: {exc}"
            ) from exc
        try:
            return response.status_code, response.json()
        except ValueError:
            text = response.text[:_SNIPPET].strip()
            raise BadResponse(
                f"{self.what} answered {path} with HTTP {response.status_code} and no JSON: "
                f"{text!r}"
            ) from None

    def close(self) -> None:
        self._client.close()


def _flatten(params: Params | None) -> dict[str, list[str]]:
    return {
        key: [value] if isinstance(value, str) else list(value)
        for key, value in (params or {}).items()
    }


class EndpointClient:
    """Base of the clients of one monitoring endpoint: construction, closing, ``with``.
    ``timeout`` is in seconds per request; ``transport`` lets tests answer in-process."""

    what: ClassVar[str] = "endpoint"

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        *,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = JsonHttp(
            base_url, timeout, what=self.what, headers=headers, transport=transport
        )

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
