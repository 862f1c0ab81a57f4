"""Just enough of JavaScript's literal syntax to read mongo shell commands: calls on ``db``,
object and array literals with bare keys, single- or double-quoted strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Invocation", "ScriptError", "parse_script"]

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_$][\w$-]*)|(?P<punct>[{}()\[\],:.;=]))"""
)


class ScriptError(ValueError):
    """The script is not something the emulated shell understands."""


@dataclass(frozen=True)
class Invocation:
    """``target.method(args)``, where target is a chain like ``db`` or
    ``db.getSiblingDB('admin')`` already reduced to a database name (or None for ``db``)."""

    database: str | None
    method: str
    args: tuple[Any, ...]
    assign: str = ""  # `db = db.getSiblingDB(...)` reassigns the current database


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
            continue
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ScriptError(f"SyntaxError: unexpected character {text[pos:].strip()[:1]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise ScriptError(f"SyntaxError: expected {value!r} but found {tok[1] or 'end'!r}")
        self.i += 1
        return tok

    def value(self) -> Any:
        kind, text = self.peek()
        if text == "{":
            self.take("{")
            obj: dict[str, Any] = {}
            while self.peek()[1] != "}":
                key_kind, key = self.take()
                if key_kind == "str":
                    key = _unquote(key)
                elif key_kind != "name":
                    raise ScriptError(f"SyntaxError: bad object key {key!r}")
                self.take(":")
                obj[key] = self.value()
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
            return obj
        if text == "[":
            self.take("[")
            items = []
            while self.peek()[1] != "]":
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("]")
            return items
        self.take()
        if kind == "str":
            return _unquote(text)
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "name" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        raise ScriptError(f"ReferenceError: {text} is not defined")

    def statement(self) -> Invocation | None:
        if self.peek()[1] == ";":
            self.take(";")
            return None
        assign = ""
        if self.peek()[1] in ("db", "var", "let", "const") and self.i + 1 < len(self.toks):
            if self.peek()[1] != "db":
                self.take()
            if (
                self.toks[self.i][1] == "db"
                and self.i + 1 < len(self.toks)
                and self.toks[self.i + 1][1] == "="
            ):
                self.take()
                self.take("=")
                assign = "db"
        _, root = self.take()
        if root == "use":
            _, name = self.take()
            return Invocation(None, "use", (_unquote(name),))
        if root == "show":
            _, what = self.take()
            return Invocation(None, "show", (what,))
        if root in ("print", "printjson"):
            self.take("(")
            if self.peek()[1] == "db":
                # printjson(db.getUsers()): the call's result, printed as the shell prints it
                self.take()
                inner = self._db_call("")
                self.take(")")
                return inner
            arg = self.value()
            self.take(")")
            return Invocation(None, "print", (arg,))
        if root != "db":
            raise ScriptError(f"ReferenceError: {root} is not defined")
        return self._db_call(assign)

    def _db_call(self, assign: str) -> Invocation:
        """The rest of ``db.method(args)`` or ``db.getSiblingDB(name).method(args)``."""
        database: str | None = None
        while True:
            self.take(".")
            _, method = self.take()
            self.take("(")
            args = []
            while self.peek()[1] != ")":
                args.append(self.value())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take(")")
            if self.peek()[1] == "." and method == "getSiblingDB":
                database = str(args[0]) if args else None
                continue
            if method == "getSiblingDB":
                return Invocation(str(args[0]) if args else None, "use", (), assign)
            return Invocation(database, method, tuple(args), assign)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        return bytes(text[1:-1], "utf-8").decode("unicode_escape")
    return text


def parse_script(text: str) -> list[Invocation]:
    parser = _Parser(text)
    out = []
    while parser.peek()[0] != "end":
        statement = parser.statement()
        if statement is not None:
            out.append(statement)
        if parser.peek()[1] == ";":
            parser.take(";")
    return out
