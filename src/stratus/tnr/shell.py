"""One kubectl command line, as a model writes it, read with a real shell grammar.

:func:`split_line` accepts exactly one simple command whose words need nothing from a shell
but quote removal: no pipes, lists, subshells, redirections or here-documents, no command,
process, parameter, arithmetic, tilde, brace or glob expansion, no ``NAME=value`` prefixes.
``bashlex`` parses the line; each word's source text is then scanned again here, and the
word is accepted only if both readings agree. Whatever is refused raises :class:`Refused`
with a keyword and a one-line reason. The words are returned, never run by a shell.
"""

from __future__ import annotations

from typing import Any

import bashlex
import bashlex.errors

from stratus.tnr.errors import Refused

__all__ = ["split_line"]

_NODE_REFUSALS = {
    "pipeline": (
        "pipe",
        "pipes are not allowed; run one kubectl command and narrow its "
        "output with -l, --field-selector or -o jsonpath",
    ),
    "list": ("list", "one command per line: no ';', '&&', '||', '&' or several lines"),
    "compound": (
        "subshell",
        "subshells, groups and shell keywords are not allowed; write a plain kubectl command",
    ),
    "if": ("subshell", "shell keywords are not allowed; write a plain kubectl command"),
    "for": ("subshell", "shell keywords are not allowed; write a plain kubectl command"),
    "while": ("subshell", "shell keywords are not allowed; write a plain kubectl command"),
    "until": ("subshell", "shell keywords are not allowed; write a plain kubectl command"),
    "function": ("subshell", "shell functions are not allowed; write a plain kubectl command"),
    "redirect": (
        "redirect",
        "redirections and here-documents are not allowed; the output is "
        "returned to you, and manifests go in files passed with -f",
    ),
    "assignment": (
        "env-prefix",
        "variable assignments (NAME=value kubectl ...) are not "
        "allowed; the gateway sets kubectl's environment",
    ),
    "commandsubstitution": (
        "substitution",
        "command substitution ($(...) or backquotes) is "
        "not allowed; run each command separately and "
        "write the values in",
    ),
    "processsubstitution": ("substitution", "process substitution (<(...)) is not allowed"),
    "parameter": ("variable", "variables ($NAME) are not expanded; write the value itself"),
    "tilde": ("glob", "'~' is not expanded; write the full path or quote it"),
}


def split_line(line: str) -> tuple[str, ...]:
    """The words of ``line`` after quote removal, if it is one plain command."""
    for col, ch in enumerate(line):
        if ch in "\t\n":
            continue
        if not (" " <= ch <= "~"):
            raise Refused(
                "charset",
                f"character U+{ord(ch):04X} at column {col + 1} is not plain ASCII; retype "
                "the command in ASCII (lookalike letters, dashes and invisible characters "
                "are refused)",
            )
    if not line.strip():
        raise Refused("not-kubectl", "the line is empty; write one kubectl command")
    try:
        parts = bashlex.parse(line)
    except (
        bashlex.errors.ParsingError,
        NotImplementedError,
        AttributeError,
        IndexError,
        TypeError,
        ValueError,
    ) as exc:
        raise Refused(
            "syntax", f"not a command line a shell could run ({exc}); check the quotes"
        ) from None
    if len(parts) != 1:
        raise Refused(*_NODE_REFUSALS["list"])
    node = parts[0]
    _refuse_nodes(node)
    if node.kind != "command":
        raise Refused(*_NODE_REFUSALS["compound"])
    words = []
    for part in node.parts:
        if part.kind != "word":
            raise Refused(*_NODE_REFUSALS.get(part.kind, _NODE_REFUSALS["compound"]))
        text = line[part.pos[0] : part.pos[1]]
        word = _unquote(text)
        if word != part.word:
            raise Refused("syntax", f"the word {text!r} is ambiguous; simplify its quoting")
        words.append(word)
    return tuple(words)


def _refuse_nodes(node: Any) -> None:
    """Refuse the first node of a refused kind in the tree, outermost first."""
    refusal = _NODE_REFUSALS.get(node.kind)
    if node.kind == "pipeline" and not any(p.kind == "pipe" for p in node.parts):
        refusal = _NODE_REFUSALS["if"]  # '! command': a pipeline of one, negated
    if refusal is not None:
        raise Refused(*refusal)
    children: list[Any] = [*(getattr(node, "parts", None) or [])]
    children += getattr(node, "list", None) or []
    for attr in ("command", "output", "heredoc"):
        child = getattr(node, attr, None)
        if hasattr(child, "kind"):
            children.append(child)
    for child in children:
        _refuse_nodes(child)


def _unquote(text: str) -> str:
    """Remove quotes and backslashes from one word's source, refusing anything a shell would
    expand: ``$`` and backquotes outside single quotes, unquoted ``* ? [``, braces that
    expand (``{a,b}``, ``{1..3}``) and a leading ``~``."""
    out: list[str] = []
    i, n = 0, len(text)
    brace_open = -1
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 < n and text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise Refused("syntax", "unbalanced single quote")
            out.append(text[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i = _double(text, i + 1, out)
        elif ch == "$":
            raise Refused(*_NODE_REFUSALS["parameter"])
        elif ch == "`":
            raise Refused(*_NODE_REFUSALS["commandsubstitution"])
        elif ch in "*?[":
            raise Refused(
                "glob",
                f"unquoted {ch!r} would be expanded by a shell; put the word in single "
                "quotes (e.g. -o jsonpath='{.items[*].metadata.name}')",
            )
        elif ch == "~" and (i == 0 or text[i - 1] in "=:"):
            raise Refused(*_NODE_REFUSALS["tilde"])
        else:
            if ch == "{":
                brace_open = i
            elif ch == "}" and brace_open >= 0:
                inner = text[brace_open + 1 : i]
                if "," in inner or ".." in inner:
                    raise Refused(
                        "glob", "unquoted {a,b} would be expanded by a shell; quote the word"
                    )
                brace_open = -1
            out.append(ch)
            i += 1
    return "".join(out)


def _double(text: str, i: int, out: list[str]) -> int:
    """Read a double-quoted run starting after its quote; return the index after it."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return i + 1
        if ch == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        if ch == "$":
            raise Refused(*_NODE_REFUSALS["parameter"])
        if ch == "`":
            raise Refused(*_NODE_REFUSALS["commandsubstitution"])
        out.append(ch)
        i += 1
    raise Refused("syntax", "unbalanced double quote")
