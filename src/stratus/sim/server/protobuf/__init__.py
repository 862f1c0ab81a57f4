"""Decoding the Kubernetes protobuf request bodies kubectl's typed clients send."""

from stratus.sim.server.protobuf.decoding import (
    PROTOBUF_MEDIA_TYPE,
    ProtobufError,
    decode_object,
)

__all__ = ["PROTOBUF_MEDIA_TYPE", "ProtobufError", "decode_object"]
