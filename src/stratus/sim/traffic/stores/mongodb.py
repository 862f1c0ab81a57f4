"""An emulated MongoDB server: users and roles (kept with the data, so they survive
restarts when the data is on a persistent volume), authentication, TLS mode, and a mongo
shell that understands the user-administration commands."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from stratus.sim.traffic.stores.jsish import Invocation, ScriptError, parse_script

__all__ = ["MongoState", "ShellResult", "UserRole", "mongo_config"]

_ADMIN_ROLES = {"root", "userAdminAnyDatabase", "userAdmin", "dbOwner"}
_WRITE_ANY = {"root", "readWriteAnyDatabase", "dbAdminAnyDatabase"}
_READ_ANY = _WRITE_ANY | {"readAnyDatabase"}


@dataclass(frozen=True)
class UserRole:
    role: str
    db: str


@dataclass
class _User:
    password: str
    db: str
    roles: set[UserRole] = field(default_factory=set)


@dataclass(frozen=True)
class ShellResult:
    code: int
    stdout: str
    stderr: str = ""


def mongo_config(files: dict[str, str], argv: list[str]) -> dict[str, Any]:
    """``auth`` and ``tls`` settings from the command line and a mounted ``mongod.conf``."""
    settings: dict[str, Any] = {"auth": "--auth" in argv, "tls": "disabled"}
    config_path = ""
    for i, arg in enumerate(argv):
        if arg in ("--config", "-f") and i + 1 < len(argv):
            config_path = argv[i + 1]
        elif arg.startswith("--config="):
            config_path = arg.split("=", 1)[1]
        elif arg.startswith("--tlsMode="):
            settings["tls"] = arg.split("=", 1)[1]
        elif arg == "--tlsMode" and i + 1 < len(argv):
            settings["tls"] = argv[i + 1]
    text = files.get(config_path, "")
    mode = re.search(r"^\s*mode:\s*(\w+)", text, re.MULTILINE)
    if mode is not None and re.search(r"^\s*tls:\s*$", text, re.MULTILINE):
        settings["tls"] = mode.group(1)
    if re.search(r"^\s*authorization:\s*enabled", text, re.MULTILINE):
        settings["auth"] = True
    return settings


class MongoState:
    """What lives in a MongoDB data directory that the emulation cares about: its users."""

    def __init__(self) -> None:
        self.users: dict[tuple[str, str], _User] = {}  # (db, name) -> user
        self.initialized = False

    # -- requests ------------------------------------------------------------------------

    def authenticate(self, name: str | None, password: str | None, auth_db: str) -> bool:
        if name is None:
            return False
        user = self.users.get((auth_db, name)) or self.users.get(("admin", name))
        return user is not None and user.password == (password or "")

    def roles_of(self, name: str, auth_db: str = "admin") -> set[UserRole]:
        user = self.users.get((auth_db, name)) or self.users.get(("admin", name))
        return set(user.roles) if user is not None else set()

    def may(self, name: str, action: str, db: str) -> bool:
        """Whether the user may ``read``/``write``/``admin`` on ``db``."""
        for grant in self.roles_of(name):
            if grant.role == "root":
                return True
            if action == "admin" and (
                grant.role in ("userAdminAnyDatabase",)
                or (grant.role in _ADMIN_ROLES and grant.db == db)
            ):
                return True
            if action == "write" and (
                grant.role in _WRITE_ANY
                or (grant.role in ("readWrite", "dbOwner") and grant.db == db)
            ):
                return True
            if action == "read" and (
                grant.role in _READ_ANY
                or (grant.role in ("read", "readWrite", "dbOwner") and grant.db == db)
            ):
                return True
        return False

    # -- the shell -----------------------------------------------------------------------

    def run(
        self,
        script: str,
        *,
        database: str = "test",
        user: str | None = None,
        password: str | None = None,
        auth_db: str = "admin",
        auth: bool = True,
    ) -> ShellResult:
        try:
            statements = parse_script(script)
        except ScriptError as exc:
            return ShellResult(1, "", f"uncaught exception: {exc}\n")
        if auth and user is not None and not self.authenticate(user, password, auth_db):
            return ShellResult(1, "", "MongoServerError: Authentication failed.\n")
        out: list[str] = []
        current = database
        for statement in statements:
            try:
                current, text = self._execute(statement, current, user if auth else None, auth)
            except _CommandError as exc:
                out.append(f"MongoServerError: {exc}")
                return ShellResult(1, "\n".join(out) + "\n", "")
            if text:
                out.append(text)
        return ShellResult(0, "\n".join(out) + ("\n" if out else ""), "")

    def _execute(
        self, inv: Invocation, current: str, user: str | None, auth: bool
    ) -> tuple[str, str]:
        db = inv.database or current
        method, args = inv.method, inv.args
        if method == "use":
            target = args[0] if args else db
            return str(target), "" if inv.assign else f"switched to db {target}"
        if method == "print":
            return current, str(args[0]) if args else ""
        if method == "show":
            if args and args[0] == "users":
                return current, _dump(
                    [self._describe(db, n) for (d, n) in sorted(self.users) if d == db]
                )
            return current, ""
        if method in ("version",):
            return current, "4.4.6"
        if method in ("runCommand", "adminCommand"):
            return current, _dump({"ok": 1})
        if method == "auth":
            ok = self.authenticate(
                str(args[0]) if args else None, str(args[1]) if len(args) > 1 else None, db
            )
            if not ok:
                raise _CommandError("Authentication failed.")
            return current, "{ ok: 1 }"
        self._check_admin(method, db, user, auth)
        if method == "createUser":
            spec = args[0] if args and isinstance(args[0], dict) else {}
            name = str(spec.get("user", ""))
            if (db, name) in self.users:
                raise _CommandError(f'User "{name}@{db}" already exists')
            self.users[(db, name)] = _User(
                str(spec.get("pwd", "")), db, _roles(spec.get("roles") or [], db)
            )
            return current, _dump({"ok": 1})
        if method == "dropUser":
            name = str(args[0]) if args else ""
            if self.users.pop((db, name), None) is None:
                raise _CommandError(f"User '{name}@{db}' not found")
            return current, "true"
        if method in ("grantRolesToUser", "revokeRolesFromUser"):
            name = str(args[0]) if args else ""
            target = self.users.get((db, name))
            if target is None:
                raise _CommandError(f'Could not find user "{name}" for db "{db}"')
            roles = _roles(args[1] if len(args) > 1 and isinstance(args[1], list) else [], db)
            if method == "grantRolesToUser":
                target.roles |= roles
            else:
                target.roles -= roles
            return current, ""
        if method in ("getUsers", "getUser"):
            if method == "getUser":
                return current, _dump(self._describe(db, str(args[0])) if args else None)
            return current, _dump(
                [self._describe(db, n) for (d, n) in sorted(self.users) if d == db]
            )
        raise _CommandError(f"the emulated mongo shell does not support db.{method}()")

    def _check_admin(self, method: str, db: str, user: str | None, auth: bool) -> None:
        if not auth:
            return
        if user is None:
            if method == "createUser" and not self.users:
                return  # the localhost exception: the first user may be created freely
            raise _CommandError(f"command {method} requires authentication")
        if not self.may(user, "admin", db):
            raise _CommandError(f"not authorized on {db} to execute command {{ {method}: ... }}")

    def _describe(self, db: str, name: str) -> dict[str, Any] | None:
        user = self.users.get((db, name))
        if user is None:
            return None
        return {
            "_id": f"{db}.{name}",
            "user": name,
            "db": db,
            "roles": [
                {"role": r.role, "db": r.db}
                for r in sorted(user.roles, key=lambda r: (r.db, r.role))
            ],
        }


class _CommandError(Exception):
    pass


def _roles(raw: list[Any], db: str) -> set[UserRole]:
    roles = set()
    for item in raw:
        if isinstance(item, str):
            roles.add(UserRole(item, db))
        elif isinstance(item, dict) and item.get("role"):
            roles.add(UserRole(str(item["role"]), str(item.get("db", db))))
    return roles


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2)
