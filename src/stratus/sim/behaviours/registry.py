"""The emulated registry and what a container does when the kubelet starts it.

Repositories declared by behaviour files hold exactly their declared tags; any other repository
pulls and runs a default program (accepts any command, serves its declared ports, healthy, with
a small but real memory need).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import ValidationError

from stratus.sim.behaviours.images import ImageRef, digest_of, parse_image, qualify
from stratus.sim.behaviours.model import BehaviourFile, Exit, ImageSpec, LogLines, Program
from stratus.sim.errors import DefinitionError
from stratus.sim.kinds.quantity import parse_quantity

__all__ = ["DEFAULT_PROGRAM", "BehaviourRegistry", "Launch", "Pull", "load_behaviour_file"]

DEFAULT_PROGRAM = Program(paths=["*"], cpu="5m", memory="8Mi", startup=1.0)
_SHELLS = {"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/bash"}
_DEFAULT_SIZE = Decimal(20 * 2**20)
_BUILTIN_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Pull:
    """The outcome of pulling an image: found (with digest and size) or why not."""

    ref: ImageRef | None
    found: bool
    error: str = ""
    digest: str = ""
    size: int = 0
    spec: ImageSpec | None = None


@dataclass(frozen=True)
class Launch:
    """What happens once a container process is started."""

    program: Program
    argv: list[str]
    start_error: str = ""  # the runtime could not start it at all (exit 128, StartError)
    crash_line: str = ""  # written before a configuration-caused exit
    crash_code: int = 0
    exits: Exit | None = None

    @property
    def memory(self) -> Decimal:
        return parse_quantity(self.program.memory)

    @property
    def cpu(self) -> Decimal:
        return parse_quantity(self.program.cpu)

    @property
    def logs(self) -> LogLines:
        return self.program.logs


def load_behaviour_file(path: Path) -> list[ImageSpec]:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(str(path), "", f"cannot read behaviour file: {exc}") from exc
    try:
        return list(BehaviourFile.model_validate(raw).images)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DefinitionError(str(path), where, first["msg"]) from exc


class BehaviourRegistry:
    def __init__(self, specs: Iterable[ImageSpec] = ()) -> None:
        self._by_repository: dict[str, ImageSpec] = {}
        for spec in specs:
            self.add(spec)

    @classmethod
    def load(cls, extra: Iterable[Path] = ()) -> BehaviourRegistry:
        """The built-in behaviours plus every ``*.yaml`` in ``extra`` (files or folders)."""
        registry = cls()
        for path in [*sorted(_BUILTIN_DIR.glob("*.yaml")), *_expand(extra)]:
            for spec in load_behaviour_file(path):
                registry.add(spec)
        return registry

    def add(self, spec: ImageSpec) -> None:
        self._by_repository[qualify(spec.repository)] = spec

    def spec_for(self, image: str) -> ImageSpec | None:
        ref = parse_image(image)
        return self._by_repository.get(ref.repository) if ref else None

    def pull(self, image: str) -> Pull:
        ref = parse_image(image)
        if ref is None:
            return Pull(
                None,
                False,
                f'Failed to apply default image tag "{image}": couldn\'t '
                f'parse image name "{image}": invalid reference format',
            )
        spec = self._by_repository.get(ref.repository)
        if spec is None:
            tag = ref.tag or "latest"
            return Pull(
                ref,
                True,
                digest=ref.digest or digest_of(ref.repository, tag),
                size=int(_DEFAULT_SIZE),
            )
        size = int(parse_quantity(spec.size))
        if ref.digest:
            for tag in spec.tags:
                if digest_of(ref.repository, tag) == ref.digest:
                    return Pull(ref, True, digest=ref.digest, size=size, spec=spec)
        elif ref.tag in spec.tags:
            return Pull(ref, True, digest=digest_of(ref.repository, ref.tag), size=size, spec=spec)
        qualified = ref.qualified
        return Pull(
            ref,
            False,
            "rpc error: code = NotFound desc = failed to pull and unpack "
            f'image "{qualified}": failed to resolve reference '
            f'"{qualified}": {qualified}: not found',
            spec=spec,
        )

    def launch(
        self,
        spec: ImageSpec | None,
        command: list[str] | None,
        args: list[str] | None,
        env: set[str],
        files: set[str],
    ) -> Launch:
        """Decide how a container started with this command line, environment and mounted
        files will behave."""
        if spec is None:
            argv = [*(command or []), *(args or [])]
            return Launch(DEFAULT_PROGRAM, argv)
        if command:
            argv = [*command, *(args or [])]
        else:
            argv = [*spec.entrypoint, *(args if args is not None else spec.args)]
        if not argv:
            return Launch(DEFAULT_PROGRAM, argv, start_error="no command specified")
        if argv[0] in _SHELLS and spec.shell:
            return self._shell(spec, argv, env, files)
        program = _find_program(spec, argv[0])
        if program is None:
            return Launch(DEFAULT_PROGRAM, argv, start_error=_not_found(argv[0]))
        return _check(program, argv, env, files)

    def _shell(self, spec: ImageSpec, argv: list[str], env: set[str], files: set[str]) -> Launch:
        script = argv[2] if len(argv) > 2 and argv[1] == "-c" else ""
        try:
            words = shlex.split(script)
        except ValueError:
            words = script.split()
        if words[:1] == ["exec"]:
            words = words[1:]
        if words:
            program = _find_program(spec, words[0])
            if program is not None and words[0] not in ("sleep", "echo", "exit", "true"):
                return _check(program, words, env, files)
        return _script(spec, argv, script)


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return out


def _find_program(spec: ImageSpec, name: str) -> Program | None:
    base = name.rsplit("/", 1)[-1]
    for program in spec.programs:
        for path in program.paths:
            if name == path or (base == path.rsplit("/", 1)[-1] and "/" not in name):
                return program
            if name.startswith("/") and path == name:
                return program
    return None


def _not_found(binary: str) -> str:
    detail = (
        f'exec: "{binary}": stat {binary}: no such file or directory'
        if "/" in binary
        else f'exec: "{binary}": executable file not found in $PATH'
    )
    return (
        "failed to create containerd task: failed to create shim task: OCI runtime create "
        "failed: runc create failed: unable to start container process: error during "
        f"container init: {detail}: unknown"
    )


def _check(program: Program, argv: list[str], env: set[str], files: set[str]) -> Launch:
    crash = program.logs.crash
    if program.flags is not None:
        allowed = {f.lstrip("-") for f in program.flags}
        for arg in argv[1:]:
            if arg.startswith("-"):
                flag = arg.lstrip("-").split("=", 1)[0]
                if flag and flag not in allowed:
                    return Launch(
                        program,
                        argv,
                        crash_line=crash.bad_flag.replace("{flag}", "-" + flag),
                        crash_code=2,
                    )
    for name in program.requires_env:
        if name not in env:
            return Launch(
                program, argv, crash_line=crash.missing_env.replace("{name}", name), crash_code=1
            )
    for path in program.requires_files:
        if path not in files:
            return Launch(
                program, argv, crash_line=crash.missing_file.replace("{file}", path), crash_code=1
            )
    return Launch(program, argv, exits=program.exits)


def _script(spec: ImageSpec, argv: list[str], script: str) -> Launch:
    """A shell one-liner: ``echo`` lines are logged, ``sleep N`` sets how long it runs,
    ``exit N`` its code; a script with an endless loop or ``sleep infinity`` never exits."""
    lines: list[str] = []
    duration = 0.0
    code = 0
    forever = False
    for part in script.replace("&&", ";").replace("\n", ";").split(";"):
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        if not words:
            continue
        if words[0] == "echo":
            lines.append(" ".join(words[1:]))
        elif words[0] == "sleep" and len(words) > 1:
            if words[1] in ("infinity", "inf"):
                forever = True
            else:
                try:
                    duration += float(words[1].rstrip("s"))
                except ValueError:
                    lines.append(f"sleep: invalid number '{words[1]}'")
                    code = 1
        elif words[0] == "exit" and len(words) > 1 and words[1].isdigit():
            code = int(words[1])
            break
        elif words[0] in ("while", "until", "tail"):
            forever = True
    shell_program = Program(
        paths=[argv[0]],
        ports=[],
        http={},
        cpu="1m",
        memory="1Mi",
        startup=0.0,
        logs=LogLines(start=lines),
    )
    if forever:
        return Launch(shell_program, argv)
    return Launch(shell_program, argv, exits=Exit(code=code, after=duration))
