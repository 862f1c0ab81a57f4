"""``pods/exec`` over WebSocket, in the channel protocol kubectl speaks (v5.channel.k8s.io):
binary messages whose first byte names the stream (0 stdin, 1 stdout, 2 stderr, 3 status)."""

from __future__ import annotations

import asyncio
import json

from starlette.websockets import WebSocket, WebSocketDisconnect

from stratus.sim.server.context import ServerContext

__all__ = ["exec_endpoint"]

_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
_STDIN_WAIT = 2.0


def _status(code: int) -> bytes:
    if code == 0:
        body = {"metadata": {}, "status": "Success"}
    else:
        body = {
            "metadata": {},
            "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing "
            f"command [...], exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    return b"\x03" + json.dumps(body).encode()


async def _read_stdin(websocket: WebSocket, protocol: str) -> str:
    chunks: list[bytes] = []
    while True:
        try:
            message = await asyncio.wait_for(websocket.receive_bytes(), timeout=_STDIN_WAIT)
        except (TimeoutError, WebSocketDisconnect, KeyError):
            break
        if not message:
            continue
        if message[0] == 255 and protocol.startswith("v5"):
            break  # the client closed stdin
        if message[0] == 0:
            chunks.append(message[1:])
    return b"".join(chunks).decode(errors="replace")


async def exec_endpoint(websocket: WebSocket, ctx: ServerContext) -> None:
    offered = [p.strip() for p in websocket.headers.get("sec-websocket-protocol", "").split(",")]
    protocol = next((p for p in _PROTOCOLS if p in offered), None)
    if protocol is None:
        await websocket.close(code=1002, reason="unsupported exec subprotocol")
        return
    await websocket.accept(subprotocol=protocol)
    params = websocket.query_params
    namespace = websocket.path_params["namespace"]
    pod = websocket.path_params["pod"]
    command = params.getlist("command")
    stdin = await _read_stdin(websocket, protocol) if params.get("stdin") in ("true", "1") else ""
    if ctx.exec_handler is None:
        code, out, err = 1, "", "exec is not available in this emulated cloud\n"
    else:
        with ctx.api.store.lock:
            code, out, err = ctx.exec_handler(
                namespace, pod, params.get("container", ""), command, stdin
            )
    try:
        if out:
            await websocket.send_bytes(b"\x01" + out.encode())
        if err:
            await websocket.send_bytes(b"\x02" + err.encode())
        await websocket.send_bytes(_status(code))
        await websocket.close(code=1000)
    except (WebSocketDisconnect, RuntimeError):
        return
