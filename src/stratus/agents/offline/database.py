"""Database users restored from the database's own init scripts.

A workload that crash-loops because MongoDB refuses it ("not authorized on DB", "Authentication
failed") has lost its user or that user's roles. When a MongoDB workload in the namespace
mounts init scripts (ConfigMaps) that create that user and grant it roles on the refused
database (or on ``<workload>-db``), the script's statements for the user are replayed through
``kubectl exec`` into the database, logged in as the script's user administrator, and the
refused workload is restarted.

``exec`` is irreversible, outside the TNR guarantee: the default policy refuses it, and the
plan then only becomes the escalation's recommendation. Only what the cluster shows is read:
the workloads' images and volumes and the ConfigMaps' text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stratus.agents.offline import actions
from stratus.agents.offline.index import Obj, name, template_spec
from stratus.agents.offline.situation import Situation
from stratus.agents.results import ProposedAction

__all__ = ["restore_user"]

_Q = r"""['"]"""
_CREATE = re.compile(
    rf"createUser\(\s*\{{\s*user\s*:\s*{_Q}([^'\"]+){_Q}\s*,\s*pwd\s*:\s*{_Q}([^'\"]*){_Q}"
    rf"\s*,\s*roles\s*:\s*(\[[^\]]*\])"
)
_GRANT = re.compile(rf"grantRolesToUser\(\s*{_Q}([^'\"]+){_Q}\s*,\s*(\[[^\]]*\])")
_ROLE_DB = re.compile(rf"db\s*:\s*{_Q}([^'\"]+){_Q}")
_REFUSED_DB = re.compile(r"not authorized on (\S+) to execute")
_ADMIN_ROLES = ("userAdminAnyDatabase", "userAdmin", "root")


@dataclass(frozen=True)
class _User:
    name: str
    password: str | None  # None: the script only grants roles to it
    statements: tuple[str, ...]
    databases: frozenset[str]
    admin: bool


def restore_user(sit: Situation, kind: str, workload: str, line: str) -> list[ProposedAction]:
    """The action that restores the user ``workload`` is refused as (``line`` from its log),
    if a MongoDB workload's init scripts say how; else nothing."""
    refused_db = _REFUSED_DB.search(line)
    wanted = {refused_db.group(1)} if refused_db else {f"{workload}-db"}
    missing_user = "authentication failed" in line.lower() or "auth error" in line.lower()
    for db_workload in sit.index.workloads:
        if not _is_mongo(db_workload):
            continue
        users = _users(_scripts(sit, db_workload))
        refused = [u for u in users.values() if u.databases & wanted and not u.admin]
        refused = refused or [u for u in users.values() if u.databases & wanted]
        admins = [u for u in users.values() if u.admin and u.password and u not in refused]
        if len(refused) != 1 or not admins:
            continue
        user, admin = refused[0], admins[0]
        statements = list(
            dict.fromkeys(s for s in user.statements if missing_user or "createUser" not in s)
        )
        if not statements:
            continue
        script = "db = db.getSiblingDB('admin'); " + "; ".join(statements)
        target = f"{str(db_workload.get('kind')).lower()}/{name(db_workload)}"
        login = ["mongo", "admin", "-u", admin.name, "-p", admin.password or ""]
        return [
            ProposedAction(
                key=f"restore user {user.name} in {name(db_workload)}",
                title=f"Restore the MongoDB user {user.name} in {name(db_workload)} from its "
                f"init script, then restart {kind}/{workload}",
                commands=(
                    actions.kubectl(
                        "exec",
                        target,
                        "-n",
                        sit.namespace,
                        "--",
                        *login,
                        "--authenticationDatabase",
                        "admin",
                        "--eval",
                        script,
                    ),
                    actions.kubectl(
                        "rollout", "restart", f"{kind.lower()}/{workload}", "-n", sit.namespace
                    ),
                ),
                rationale=f"{workload} is refused by {name(db_workload)}; its init script "
                f"gives {user.name} these roles (exec: outside the TNR guarantee)",
                risk="high",
            )
        ]
    return []


def _is_mongo(workload: Obj) -> bool:
    containers = template_spec(workload).get("containers") or []
    return any("mongo" in str(c.get("image", "")).split("/")[-1] for c in containers)


def _scripts(sit: Situation, workload: Obj) -> list[str]:
    texts = []
    for volume in template_spec(workload).get("volumes") or []:
        ref = (volume.get("configMap") or {}).get("name")
        found = sit.index.get("ConfigMap", str(ref)) if ref else None
        if found is not None:
            texts += [str(v) for v in (found.get("data") or {}).values()]
    return texts


def _users(scripts: list[str]) -> dict[str, _User]:
    users: dict[str, _User] = {}
    for text in scripts:
        if "createUser" not in text:  # scripts that only change users are not init scripts
            continue
        for statement in (s.strip() for s in text.split(";")):
            created, granted = _CREATE.search(statement), _GRANT.search(statement)
            password: str | None
            if created is not None:
                who, password, roles = created.group(1), created.group(2), created.group(3)
            elif granted is not None:
                who, password, roles = granted.group(1), None, granted.group(2)
            else:
                continue
            before = users.get(who)
            databases = frozenset(_ROLE_DB.findall(roles)) - {"admin"}
            users[who] = _User(
                who,
                password if password is not None else (before.password if before else None),
                (*(before.statements if before else ()), statement),
                databases | (before.databases if before else frozenset()),
                any(r in roles for r in _ADMIN_ROLES) or bool(before and before.admin),
            )
    return users
