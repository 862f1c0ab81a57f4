"""``kubectl exec`` into emulated containers: a small command set per image, answered like a
shell would, and the clients of the stores the image carries (``mongo``, ``redis-cli``)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stratus.sim.behaviours import Call
from stratus.sim.runtime import RunningContainer
from stratus.sim.traffic.outcomes import Outcome
from stratus.sim.traffic.stores import mongo_config

if TYPE_CHECKING:
    from stratus.sim.traffic.engine import Traffic

__all__ = ["ExecResult", "Shell"]

_BUILTINS = {
    "env",
    "printenv",
    "cat",
    "ls",
    "echo",
    "hostname",
    "pwd",
    "true",
    "false",
    "id",
    "whoami",
    "sh",
    "bash",
    "ash",
    "curl",
    "wget",
    "nslookup",
    "getent",
    "sleep",
    "date",
    "uname",
}
_MONGO_CLIENTS = {"mongo", "mongosh"}


@dataclass(frozen=True)
class ExecResult:
    code: int
    stdout: str = ""
    stderr: str = ""


class Shell:
    def __init__(self, traffic: Traffic) -> None:
        self.traffic = traffic

    def run(
        self, namespace: str, pod: str, container: str, command: list[str], stdin: str = ""
    ) -> ExecResult:
        """Run ``command`` in a running container; an error message names what is wrong."""
        obj = self.traffic.store.get("pods", namespace, pod)
        if obj is None:
            return ExecResult(1, "", f'Error from server (NotFound): pods "{pod}" not found\n')
        names = [c["name"] for c in (obj.get("spec") or {}).get("containers") or []]
        name = container or (names[0] if names else "")
        target = self.traffic.containers.get(obj["metadata"]["uid"], name)
        if target is None:
            return ExecResult(
                1, "", f'error: unable to upgrade connection: container not found ("{name}")\n'
            )
        if not command:
            return ExecResult(
                1, "", "error: you must specify at least one command for the container\n"
            )
        return self._command(target, command, stdin, direct=True)

    # -- commands ----------------------------------------------------------------------------

    def _command(
        self, c: RunningContainer, argv: list[str], stdin: str, direct: bool
    ) -> ExecResult:
        name = argv[0].rsplit("/", 1)[-1]
        has_shell = _image_has_shell(c)
        if name in ("sh", "bash", "ash") and has_shell:
            script = argv[2] if len(argv) > 2 and argv[1] == "-c" else stdin
            return self._script(c, script)
        if name in _MONGO_CLIENTS and self._has(c, name):
            return self._mongo(c, argv[1:], stdin)
        if name == "redis-cli" and self._has(c, name):
            return self._redis(c, argv[1:])
        if name in _BUILTINS and has_shell:
            return self._builtin(c, name, argv[1:])
        if direct:
            return ExecResult(
                127,
                "",
                f"OCI runtime exec failed: exec failed: unable to start "
                f'container process: exec: "{argv[0]}": executable file '
                f"not found in $PATH: unknown\n",
            )
        return ExecResult(127, "", f"sh: 1: {argv[0]}: not found\n")

    @staticmethod
    def _has(c: RunningContainer, binary: str) -> bool:
        """Whether the image carries ``binary`` (a store's image carries its client)."""
        program = c.launch.program
        if binary in _MONGO_CLIENTS and program.store == "mongodb":
            return True
        if binary == "redis-cli" and program.store == "redis":
            return True
        return binary in c.binaries

    def _script(self, c: RunningContainer, script: str) -> ExecResult:
        out: list[str] = []
        err: list[str] = []
        code = 0
        for part in script.replace("&&", ";").replace("\n", ";").split(";"):
            try:
                words = shlex.split(part)
            except ValueError as exc:
                return ExecResult(2, "".join(out), f"sh: 1: Syntax error: {exc}\n")
            if not words:
                continue
            result = self._command(c, words, "", direct=False)
            out.append(result.stdout)
            err.append(result.stderr)
            code = result.code
            if code != 0 and "&&" in script:
                break
        return ExecResult(code, "".join(out), "".join(err))

    def _builtin(self, c: RunningContainer, name: str, args: list[str]) -> ExecResult:
        if name in ("env", "printenv"):
            env = _environment(c)
            if name == "printenv" and args:
                values = [env[a] for a in args if a in env]
                return ExecResult(0 if values else 1, "".join(f"{v}\n" for v in values))
            return ExecResult(0, "".join(f"{k}={v}\n" for k, v in env.items()))
        if name == "cat":
            out, err, code = [], [], 0
            for path in args:
                if path in c.files:
                    out.append(c.files[path])
                else:
                    err.append(f"cat: {path}: No such file or directory\n")
                    code = 1
            return ExecResult(code, "".join(out), "".join(err))
        if name == "ls":
            return self._ls(c, args)
        if name == "echo":
            return ExecResult(0, " ".join(args) + "\n")
        if name == "hostname":
            return ExecResult(0, c.pod + "\n")
        if name == "pwd":
            return ExecResult(0, "/\n")
        if name in ("id", "whoami"):
            return ExecResult(
                0, "uid=0(root) gid=0(root) groups=0(root)\n" if name == "id" else "root\n"
            )
        if name in ("true", "sleep"):
            return ExecResult(0)
        if name == "false":
            return ExecResult(1)
        if name in ("date", "uname"):
            return ExecResult(0, "Linux\n" if name == "uname" else "Thu Jan  1 00:00:00 UTC\n")
        if name in ("nslookup", "getent"):
            host = args[-1] if args else ""
            resolved = self.traffic.network.resolve(host, c.namespace, "ClusterFirst", c.ip)
            if isinstance(resolved, Outcome):
                return ExecResult(1, "", f"** server can't find {host}: NXDOMAIN\n")
            return ExecResult(0, "".join(f"{ip}\t{host}\n" for ip in resolved))
        return self._http(c, name, args)

    def _ls(self, c: RunningContainer, args: list[str]) -> ExecResult:
        path = (args[-1] if args and not args[-1].startswith("-") else "/").rstrip("/") or "/"
        prefix = "" if path == "/" else path
        entries = sorted(
            {p[len(prefix) + 1 :].split("/", 1)[0] for p in c.files if p.startswith(prefix + "/")}
        )
        entries += [
            d[len(prefix) + 1 :].split("/", 1)[0]
            for d in c.volumes
            if d.startswith(prefix + "/") and d != path
        ]
        if not entries and path not in c.volumes and prefix not in c.files:
            if path == "/":
                return ExecResult(0, "bin\netc\nhome\nproc\nroot\ntmp\nusr\nvar\n")
            return ExecResult(2, "", f"ls: cannot access '{path}': No such file or directory\n")
        return ExecResult(0, "".join(f"{e}\n" for e in sorted(set(entries))))

    def _http(self, c: RunningContainer, name: str, args: list[str]) -> ExecResult:
        urls = [a for a in args if "://" in a or (a and not a.startswith("-"))]
        if not urls:
            return ExecResult(2, "", f"{name}: no URL specified\n")
        url = urls[-1].split("://", 1)[-1]
        hostport, _, path = url.partition("/")
        host, _, port = hostport.partition(":")
        call = Call(to=f"{host}:{port or 80}", op="/" + path, timeout_ms=10_000)
        outcome = self.traffic.request(c, call, c.namespace, client=c.service)
        if outcome.ok:
            return ExecResult(0, "OK\n")
        if name == "curl":
            return ExecResult(
                7 if outcome.kind in ("refused", "dns") else 28,
                "",
                f"curl: ({7 if outcome.kind in ('refused', 'dns') else 28}) {outcome.message}\n",
            )
        return ExecResult(1, "", f"wget: {outcome.message}\n")

    # -- store clients ---------------------------------------------------------------------

    def _mongo(self, c: RunningContainer, args: list[str], stdin: str) -> ExecResult:
        user = password = None
        auth_db = "admin"
        database = "test"
        script = stdin
        i = 0
        while i < len(args):
            arg = args[i]
            value = args[i + 1] if i + 1 < len(args) else ""
            if arg in ("-u", "--username"):
                user, i = value, i + 2
            elif arg in ("-p", "--password"):
                password, i = value, i + 2
            elif arg == "--authenticationDatabase":
                auth_db, i = value, i + 2
            elif arg == "--eval":
                script, i = value, i + 2
            elif arg.startswith("-"):
                i += 1
            elif arg.endswith(".js"):
                if arg not in c.files:
                    return ExecResult(1, "", f"file {arg} doesn't exist\n")
                script, i = c.files[arg], i + 1
            else:
                database = arg.rsplit("/", 1)[-1]
                i += 1
        stores = self.traffic.stores
        mongo = c if c.launch.program.store == "mongodb" else None
        if mongo is None:
            return ExecResult(
                1,
                "",
                "Error: couldn't connect to server 127.0.0.1:27017, "
                "connection attempt failed: SocketException: Error connecting "
                "to 127.0.0.1:27017 :: caused by :: Connection refused\n",
            )
        settings = mongo_config(mongo.files, mongo.launch.argv)
        result = stores.mongo_for(mongo).run(
            script,
            database=database,
            user=user,
            password=password,
            auth_db=auth_db,
            auth=bool(settings["auth"]),
        )
        banner = "MongoDB shell version v4.4.6\nconnecting to: mongodb://127.0.0.1:27017/\n"
        return ExecResult(result.code, banner + result.stdout, result.stderr)

    def _redis(self, c: RunningContainer, args: list[str]) -> ExecResult:
        password = ""
        words = list(args)
        while words and words[0].startswith("-"):
            flag = words.pop(0)
            if flag == "-a" and words:
                password = words.pop(0)
            elif flag in ("-h", "-p", "-n") and words:
                words.pop(0)
        state = self.traffic.stores.redis_for(c)
        if not words:
            return ExecResult(0)
        command = [w.upper() if i == 0 else w for i, w in enumerate(words)]
        if command[0] == "AUTH":
            ok = state.password and command[-1] == state.password
            return ExecResult(
                0,
                "OK\n"
                if ok
                else "(error) WRONGPASS invalid username-password pair or user is disabled.\n",
            )
        if state.password and password != state.password:
            return ExecResult(0, "(error) NOAUTH Authentication required.\n")
        if command[0] == "PING":
            return ExecResult(0, "PONG\n")
        if (
            command[0] == "CONFIG"
            and len(command) >= 4
            and command[1].upper() == "SET"
            and command[2].lower() == "requirepass"
        ):
            state.password = command[3]
            return ExecResult(0, "OK\n")
        if command[0] == "CONFIG" and len(command) >= 3 and command[1].upper() == "GET":
            value = state.password if command[2] == "requirepass" else ""
            return ExecResult(0, f"{command[2]}\n{value}\n")
        if command[0] == "SET" and len(command) >= 3:
            state.keys[command[1]] = command[2]
            return ExecResult(0, "OK\n")
        if command[0] == "GET" and len(command) >= 2:
            stored = state.keys.get(command[1])
            return ExecResult(0, f'"{stored}"\n' if stored is not None else "(nil)\n")
        return ExecResult(0, f"(error) ERR unknown command '{words[0]}'\n")


def _image_has_shell(c: RunningContainer) -> bool:
    return c.has_shell


def _environment(c: RunningContainer) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOSTNAME": c.pod,
        "HOME": "/root",
    }
    env.update(c.env)
    env.update(
        {
            "KUBERNETES_SERVICE_HOST": "10.96.0.1",
            "KUBERNETES_SERVICE_PORT": "443",
            "KUBERNETES_PORT": "tcp://10.96.0.1:443",
        }
    )
    return env
