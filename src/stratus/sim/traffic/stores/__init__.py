"""Stateful servers the emulation models beyond their ports: MongoDB, Redis/Valkey, memcached,
Kafka and flagd. Their state is what faults change and what clients trip over."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from stratus.sim.behaviours import Call
from stratus.sim.runtime import RunningContainer
from stratus.sim.traffic.outcomes import Outcome, failure, success
from stratus.sim.traffic.stores.mongodb import MongoState, ShellResult, mongo_config

__all__ = ["MongoState", "RedisState", "ShellResult", "Stores", "mongo_config"]

_READS = {"find", "findOne", "aggregate", "count", "get", "read", "query", "connect"}
# outcomes are immutable: the common answers are made once
_OK_02, _OK_03, _OK_10, _OK_15 = success(0.2), success(0.3), success(1.0), success(1.5)


@dataclass
class RedisState:
    password: str = ""
    keys: dict[str, str] = field(default_factory=dict)


def _argv_value(argv: list[str], flag: str) -> str:
    for i, arg in enumerate(argv):
        if arg == flag and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return ""


class Stores:
    """State per storage identity (a persistent volume outlives its pods) or per container."""

    def __init__(self) -> None:
        self.mongo: dict[str, MongoState] = {}
        self.redis: dict[str, RedisState] = {}
        # a running container's files and arguments never change: its settings are read once
        self._settings: dict[tuple[str, str], tuple[RunningContainer, dict[str, Any]]] = {}

    def _identity(self, container: RunningContainer, data_dir: str) -> str:
        return container.volumes.get(data_dir) or f"pod:{container.pod_uid}/{container.container}"

    def mongo_for(self, container: RunningContainer) -> MongoState:
        options = container.launch.program.store_options
        key = self._identity(container, options.get("data_dir", "/data/db"))
        state = self.mongo.get(key)
        if state is None:
            state = self.mongo[key] = MongoState()
        return state

    def redis_for(self, container: RunningContainer) -> RedisState:
        key = self._identity(
            container, container.launch.program.store_options.get("data_dir", "/data")
        )
        state = self.redis.get(key)
        if state is None:
            state = self.redis[key] = RedisState(
                password=_argv_value(container.launch.argv, "--requirepass")
            )
        return state

    def started(self, container: RunningContainer) -> None:
        """A store starts: a fresh MongoDB runs its init scripts, Redis reads its password."""
        store = container.launch.program.store
        if store == "mongodb":
            state = self.mongo_for(container)
            if not state.initialized:
                state.initialized = True
                init_dir = container.launch.program.store_options.get(
                    "init_dir", "/docker-entrypoint-initdb.d"
                )
                for path in sorted(p for p in container.files if p.startswith(init_dir + "/")):
                    if path.endswith(".js"):
                        state.run(container.files[path], database="admin", auth=False)
        elif store == "redis":
            redis = self.redis_for(container)
            configured = _argv_value(container.launch.argv, "--requirepass")
            if configured:
                redis.password = configured

    # -- requests ------------------------------------------------------------------------

    def handle(
        self,
        container: RunningContainer,
        call: Call,
        user: str | None,
        password: str | None,
        db: str | None,
    ) -> Outcome:
        store = container.launch.program.store
        if store == "mongodb":
            return self._mongo(container, call, user, password, db)
        if store == "redis":
            state = self.redis_for(container)
            if state.password and password != state.password:
                return failure(
                    "auth",
                    "NOAUTH Authentication required."
                    if not password
                    else "WRONGPASS invalid username-password pair or user is disabled.",
                    0.3,
                )
            return _OK_02
        if store == "flagd":
            return _OK_03
        return _OK_02

    def _mongo_settings(self, container: RunningContainer) -> dict[str, Any]:
        cached = self._settings.get(container.key)
        if cached is None or cached[0] is not container:
            if len(self._settings) > 10_000:  # containers come and go; forget old ones
                self._settings.clear()
            settings = mongo_config(container.files, container.launch.argv)
            cached = self._settings[container.key] = (container, settings)
        return cached[1]

    def _mongo(
        self,
        container: RunningContainer,
        call: Call,
        user: str | None,
        password: str | None,
        db: str | None,
    ) -> Outcome:
        settings = self._mongo_settings(container)
        if settings["tls"] == "requireTLS" and not call.tls:
            host = f"{container.pod}:{27017}"
            return failure(
                "tls",
                f"connection() error occurred during connection handshake: "
                f"connection({host}) socket was unexpectedly closed: EOF",
                1.0,
            )
        if not settings["auth"]:
            return _OK_10
        state = self.mongo_for(container)
        if not state.authenticate(user, password, "admin"):
            return failure(
                "auth",
                "auth error: sasl conversation error: unable to authenticate "
                'using mechanism "SCRAM-SHA-1": (AuthenticationFailed) '
                "Authentication failed.",
                2.0,
            )
        action = "read" if call.op in _READS else "write"
        target = db or "test"
        if call.op != "connect" and not state.may(user or "", action, target):
            collection = target.split("-")[0]
            return failure(
                "unauthorized",
                f"(Unauthorized) not authorized on {target} to "
                f'execute command {{ {call.op}: "{collection}", '
                f'$db: "{target}" }}',
                1.0,
            )
        return _OK_15

    def flag_variant(self, container: RunningContainer, flag: str) -> str:
        """The variant flagd serves for ``flag`` (its files as they were when it started)."""
        name = container.launch.program.store_options.get("flags_file", "")
        text = container.files.get(name, "")
        if not text:
            for path, content in container.files.items():
                if path.endswith(".flagd.json"):
                    text = content
                    break
        try:
            flags: Any = json.loads(text) if text else {}
        except json.JSONDecodeError:
            return ""
        spec = (flags.get("flags") or {}).get(flag) if isinstance(flags, dict) else None
        if not isinstance(spec, dict) or spec.get("state") == "DISABLED":
            return ""
        return str(spec.get("defaultVariant", ""))
