"""Content negotiation: which representation a client asked for in its Accept header."""

from __future__ import annotations

from dataclasses import dataclass

from stratus.sim.errors import NotAcceptable

__all__ = ["Wanted", "negotiate"]


@dataclass(frozen=True)
class Wanted:
    table: bool = False
    table_version: str = "v1"
    partial_metadata: bool = False  # as=PartialObjectMetadata(List)


def _parse(accept: str) -> list[tuple[str, dict[str, str]]]:
    out = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for p in pieces[1:]:
            if "=" in p:
                k, v = p.split("=", 1)
                params[k.strip()] = v.strip()
        out.append((pieces[0].lower(), params))
    return out


def negotiate(accept: str | None) -> Wanted:
    """Pick the first acceptable media type. JSON answers ``*/*``, protobuf-or-JSON lists and
    YAML alike; a list naming only representations we cannot produce gets 406."""
    if not accept:
        return Wanted()
    for media, params in _parse(accept):
        if media not in ("application/json", "application/*", "*/*", "application/yaml"):
            continue
        as_ = params.get("as")
        if as_ is None:
            return Wanted()
        if (
            as_ == "Table"
            and params.get("g") == "meta.k8s.io"
            and params.get("v") in ("v1", "v1beta1")
        ):
            return Wanted(table=True, table_version=params["v"])
        if (
            as_ in ("PartialObjectMetadata", "PartialObjectMetadataList")
            and params.get("g") == "meta.k8s.io"
        ):
            return Wanted(partial_metadata=True, table_version=params.get("v", "v1"))
    raise NotAcceptable(
        f"only the following media types are accepted: application/json, "
        f"application/yaml (asked for {accept!r})"
    )
