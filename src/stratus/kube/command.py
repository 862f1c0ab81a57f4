"""A kubectl command line, parsed the way kubectl parses it.

:func:`parse` reads an argv (the words after ``kubectl``) with kubectl's own rules (cobra
subcommands and aliases, pflag flags interspersed with arguments, ``-n ns``/``-nns``/
``-n=ns``, combined switches ``-it``, ``--flag v`` versus switches and flags whose value is
optional) using the flag table derived from the pinned kubectl. The result,
:class:`KubectlCommand`, knows its command path, positional words, flags, target objects and
the usual options, and renders a canonical argv (:meth:`KubectlCommand.argv`) in which every
flag is spelled ``--name=value``. Running the canonical argv, never the words as written, is
what guarantees that kubectl acts on exactly what was parsed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from stratus.kube.flags import FlagTable, flag_table
from stratus.kube.resources import ResourceType, resolve

__all__ = ["CommandError", "Flag", "KubectlCommand", "Target", "parse"]

_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")

# Verbs whose positional words are resources (``TYPE NAME...``, ``TYPE/NAME...``), possibly
# followed by assignments (``key=value``, ``key-``, ``container=image``, taints).
_RESOURCE_VERBS = frozenset(
    {"get", "describe", "delete", "edit", "label", "annotate", "patch", "scale", "autoscale"}
    | {"expose", "wait", "rollout", "set", "taint", "apply"}
)
_PAIR_VERBS = frozenset({"label", "annotate", "set env", "set image", "taint"})
# Commands that name objects of one implied type; ``create <type> NAME`` names its own.
_IMPLIED = {
    "cordon": "nodes",
    "uncordon": "nodes",
    "drain": "nodes",
    "top node": "nodes",
    "top pod": "pods",
    "run": "pods",
    "create token": "serviceaccounts",
}


class CommandError(ValueError):
    """The words are not a kubectl command kubectl would accept; ``code`` says how
    (``unknown-verb``, ``unknown-flag``, ``usage``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Flag:
    name: str
    value: str | None  # None: a switch (or optional-value flag) given without a value

    def token(self) -> str:
        return f"--{self.name}" if self.value is None else f"--{self.name}={self.value}"


@dataclass(frozen=True)
class Target:
    """An object (or, with an empty name, every object of a type) named on the line."""

    type: str
    name: str
    resource: ResourceType | None  # None: not a built-in type (a custom resource, a category)

    @property
    def kind(self) -> str | None:
        return self.resource.kind if self.resource else None

    def __str__(self) -> str:
        return f"{self.type}/{self.name}" if self.name else self.type


@dataclass(frozen=True)
class KubectlCommand:
    path: tuple[str, ...]  # ("rollout", "restart")
    args: tuple[str, ...]  # positional words after the path
    flags: tuple[Flag, ...]
    after_dash: tuple[str, ...] | None = None  # words after ``--`` (exec's command)

    @property
    def verb(self) -> str:
        return self.path[0] if self.path else ""

    @property
    def name(self) -> str:
        """The command path as words: ``"set image"``, ``"create secret generic"``."""
        return " ".join(self.path)

    def values(self, flag: str) -> list[str | None]:
        return [f.value for f in self.flags if f.name == flag]

    def value(self, flag: str) -> str | None:
        """The last value given to ``flag`` (kubectl keeps the last), else ``None``."""
        found = self.values(flag)
        return found[-1] if found else None

    def has(self, flag: str) -> bool:
        """Whether ``flag`` is given, and (for switches) not set to false."""
        found = self.values(flag)
        return bool(found) and (found[-1] is None or found[-1] not in _FALSE)

    @property
    def namespace(self) -> str | None:
        return self.value("namespace")

    @property
    def all_namespaces(self) -> bool:
        return self.has("all-namespaces")

    @property
    def output(self) -> str | None:
        return self.value("output")

    @property
    def files(self) -> list[str]:
        return [p for v in self.values("filename") if v for p in v.split(",") if p]

    @property
    def selector(self) -> str | None:
        return self.value("selector")

    @property
    def pairs(self) -> tuple[str, ...]:
        """The ``key=value``/``key-`` words of label, annotate, set env/image and taint."""
        return _split_pairs(self)[1]

    @property
    def targets(self) -> tuple[Target, ...]:
        return _targets(self)

    def argv(self) -> tuple[str, ...]:
        """The canonical argv: path, positional words, then every flag as ``--name=value``
        (only the last of a repeated single-value flag), then ``--`` and its words."""
        table = flag_table()
        last: dict[str, int] = {}
        for i, f in enumerate(self.flags):
            spec = table.flag(self.path, f.name)
            if spec is None or spec.takes != "list":
                last[f.name] = i
        flags = [f.token() for i, f in enumerate(self.flags) if last.get(f.name, i) == i]
        tail = ("--", *self.after_dash) if self.after_dash is not None else ()
        return (*self.path, *self.args, *flags, *tail)

    def __str__(self) -> str:
        return " ".join(("kubectl", *self.argv()))


def parse(argv: Sequence[str], table: FlagTable | None = None) -> KubectlCommand:
    """Parse the words after ``kubectl`` (a leading ``kubectl`` is dropped)."""
    table = table or flag_table()
    tokens = list(argv[1:] if argv and argv[0] == "kubectl" else argv)
    path: tuple[str, ...] = ()
    args: list[str] = []
    flags: list[Flag] = []
    after: tuple[str, ...] | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok == "--":
            after = tuple(tokens[i:])
            break
        if tok.startswith("--"):
            name, eq, value = tok[2:].partition("=")
            spec = table.flag(path, name)
            if spec is None:
                raise CommandError("unknown-flag", f"unknown flag --{name}{_for(path)}")
            if spec.needs_value and not eq:
                if i >= len(tokens):
                    raise CommandError("usage", f"flag --{name} needs a value")
                value, eq, i = tokens[i], "=", i + 1
            flags.append(Flag(name, value if eq else None))
        elif tok.startswith("-") and tok != "-":
            i = _short(table, path, tok, tokens, i, flags)
        elif not args and table.child(path, tok) is not None:
            path = (*path, str(table.child(path, tok)))
        elif not path:
            raise CommandError("unknown-verb", f"unknown kubectl command {tok!r}")
        else:
            args.append(tok)
    if not path:
        raise CommandError("unknown-verb", "no kubectl command given")
    for f in flags:  # a flag read before the subcommand must mean the same after it
        if table.flag(path, f.name) is None:
            raise CommandError("unknown-flag", f"unknown flag --{f.name}{_for(path)}")
    if "-" in args:
        raise CommandError("usage", "'-' (standard input) is not an argument kubectl takes here")
    cmd = KubectlCommand(path, tuple(args), tuple(flags), after)
    if cmd.namespace == "":
        raise CommandError("usage", "--namespace needs a non-empty value")
    _targets(cmd)  # validate the resource words now
    return cmd


def _for(path: tuple[str, ...]) -> str:
    return f" for 'kubectl {' '.join(path)}'" if path else " before the kubectl command"


def _short(
    table: FlagTable,
    path: tuple[str, ...],
    tok: str,
    tokens: list[str],
    i: int,
    flags: list[Flag],
) -> int:
    """Read ``-abc``/``-nvalue``/``-n value``/``-n=value`` as pflag does; return the index of
    the next unread token."""
    letters = tok[1:]
    j = 0
    while j < len(letters):
        spec = table.short(path, letters[j])
        if spec is None:
            raise CommandError("unknown-flag", f"unknown flag -{letters[j]}{_for(path)}")
        rest = letters[j + 1 :]
        if rest.startswith("="):
            flags.append(Flag(spec.name, rest[1:]))
            return i
        if not spec.needs_value:
            flags.append(Flag(spec.name, None))
            j += 1
            continue
        if rest:
            flags.append(Flag(spec.name, rest))
        elif i < len(tokens):
            flags.append(Flag(spec.name, tokens[i]))
            i += 1
        else:
            raise CommandError("usage", f"flag -{letters[j]} needs a value")
        return i
    return i


def _split_pairs(cmd: KubectlCommand) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if cmd.name not in _PAIR_VERBS:
        return cmd.args, ()
    taint = cmd.verb == "taint"
    resources: list[str] = []
    pairs: list[str] = []
    for word in cmd.args:
        pair = ("=" in word and not word.startswith("=")) or (word.endswith("-") and word != "-")
        pair = pair or (taint and ":" in word)
        if pair:
            pairs.append(word)
        elif pairs:
            raise CommandError("usage", f"all resources must come before the changes: {word}")
        else:
            resources.append(word)
    return tuple(resources), tuple(pairs)


def _target(type_: str, name: str) -> Target:
    if not _TYPE.match(type_):
        raise CommandError("usage", f"{type_!r} is not a resource type")
    if name and not _NAME.match(name):
        raise CommandError("usage", f"{name!r} is not an object name")
    return Target(type_, name, resolve(type_))


def _targets(cmd: KubectlCommand) -> tuple[Target, ...]:
    words = list(_split_pairs(cmd)[0])
    implied = _IMPLIED.get(" ".join(cmd.path[:2]))
    if implied is None and cmd.verb == "create" and len(cmd.path) > 1:
        implied = cmd.path[1]
    if implied:
        names = words[:1] if cmd.verb in ("create", "run") else words
        return tuple(_target(implied, n) for n in names)
    if cmd.name in ("logs", "exec", "attach", "port-forward"):
        words = words[:1]
        if words and "/" not in words[0]:
            words = ["pods", *words]
    elif cmd.verb not in _RESOURCE_VERBS:
        return ()
    elif cmd.name in ("set serviceaccount", "set selector"):
        words = words[:-1]  # the last word is the service account or the selector to set
    if not words:
        return ()
    if any("/" in w for w in words):
        out = []
        for w in words:
            type_, slash, name = w.partition("/")
            if not slash or not name:
                raise CommandError(
                    "usage", f"{w!r}: give every object as TYPE/NAME, or TYPE then NAMEs"
                )
            out.append(_target(type_, name))
        return tuple(out)
    types = [t for t in words[0].split(",") if t]
    if not types:
        raise CommandError("usage", f"{words[0]!r} is not a resource type")
    names = words[1:] or [""]
    return tuple(_target(t, n) for t in types for n in names)
