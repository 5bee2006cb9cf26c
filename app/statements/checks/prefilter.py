"""Faster rule expressions: a lookahead for the characters a match can start with.

Python's regular expressions try an expression such as ``\\b(?:is|was) not`` at every position of a text.
Put in front of it, ``(?=[iIwW])`` lets the engine skip every position that cannot start a match, which
makes the rules' expressions two to four times faster on a long statement. The set is read from the
parsed expression; an expression whose first character cannot be known (a lookaround, a class such as
``\\w``, a part that may be empty at the start) is left as it is. The lookahead never changes what matches.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# The standard library's own parser of expressions (typeshed does not describe these modules).
constants: Any = importlib.import_module("re._constants")
parser: Any = importlib.import_module("re._parser")

MAX_CHARS = 40
_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def compile_fast(raw: str, flags: int = re.IGNORECASE | re.UNICODE) -> re.Pattern[str]:
    """``raw`` compiled with a lookahead of its possible first characters, when they can be known.

    The expression is parsed once, for its first characters and the words its matches start with (kept for
    ``head_words`` and ``lead_words``), and compiled once; a bad one raises ``re.error``.
    """
    try:
        items: list[Any] | None = list(parser.parse(raw, flags))
    except (RecursionError, TypeError, ValueError):  # pragma: no cover - the compiler says what is wrong
        items = None
    chars = _first(items) if items is not None else None
    if not chars or len(chars) > MAX_CHARS:
        pattern = re.compile(raw, flags)
    else:
        if flags & re.IGNORECASE:
            chars = {variant for char in chars for variant in (char, char.lower(), char.upper())}
        lookahead = "(?=[" + "".join(sorted(re.escape(char) for char in chars)) + "])"
        lead = _FLAGS.match(raw)
        head = lead.group() if lead else ""
        pattern = re.compile(head + lookahead + raw[len(head):], flags)
    if items is not None:
        _STARTS[pattern] = (_head_words(items), _lead_words(items))
    return pattern


# What compile_fast read off each expression it compiled: its head words and its lead words (an expression
# compiled elsewhere is parsed on each call; only tests ask about those).
_STARTS: dict[re.Pattern[str], tuple[frozenset[str] | None, tuple[str, ...] | None]] = {}


def _parsed(pattern: re.Pattern[str]) -> list[Any] | None:
    """The parsed items of an expression compiled elsewhere, without compile_fast's lookahead."""
    raw = re.sub(r"^\(\?=\[[^\]]*\]\)", "", _FLAGS.sub("", pattern.pattern))
    try:
        return list(parser.parse(raw, pattern.flags))
    except (re.error, RecursionError, TypeError, ValueError):  # pragma: no cover - compiled already
        return None


def _first(items: list[Any]) -> set[str] | None:
    """The characters a sequence of parsed items can start with; None when unknown or when it may be empty."""
    found: set[str] = set()
    for op, value in items:
        if op is constants.AT:
            continue
        chars, nullable = _item(op, value)
        if chars is None:
            return None
        found |= chars
        if not nullable:
            return found
    return None


def _item(op: Any, value: Any) -> tuple[set[str] | None, bool]:
    """The first characters of one parsed item and whether the item can match nothing."""
    if op is constants.LITERAL:
        return {chr(value)}, False
    if op is constants.IN:
        chars = set()
        for kind, member in value:
            if kind is constants.LITERAL:
                chars.add(chr(member))
            elif kind is constants.RANGE and member[1] - member[0] < MAX_CHARS:
                chars.update(chr(code) for code in range(member[0], member[1] + 1))
            else:
                return None, False
        return chars, False
    if op is constants.SUBPATTERN:
        return _first(list(value[-1])), False
    if op is constants.BRANCH:
        chars = set()
        for branch in value[1]:
            first = _first(list(branch))
            if first is None:
                return None, False
            chars |= first
        return chars, False
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
        low, _, body = value
        first = _first(list(body))
        return first, low == 0
    return None, False


def head_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The whole words a match of ``pattern`` must start with, case-folded; None when they cannot be known.

    ``\\b(?:is|was) not`` starts with "is" or "was": a statement without either word cannot match, so the
    expression need not run on it. Only a word followed by a space in the expression counts as whole.
    """
    if pattern in _STARTS:
        return _STARTS[pattern][0]
    items = _parsed(pattern)
    return None if items is None else _head_words(items)


def _head_words(parsed: list[Any]) -> frozenset[str] | None:
    items = [item for item in parsed if item[0] is not constants.AT]
    words: list[str] | None = None
    rest = items
    if items and items[0][0] in (constants.SUBPATTERN, constants.BRANCH):
        inner = [items[0]] if items[0][0] is constants.BRANCH else list(items[0][1][-1])
        words = [_literal(list(branch)) for branch in _branches(inner)]
        rest = items[1:]
    else:
        length = next((index for index, (op, value) in enumerate(items)
                       if op is not constants.LITERAL or not chr(value).isalnum()), len(items))
        words = [_literal(items[:length])]
        rest = items[length:]
    if not words or any(not word for word in words) or not rest or rest[0] != (constants.LITERAL, ord(" ")):
        return None
    return frozenset(word.casefold() for word in words if word)


def lead_words(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """What a match of ``pattern`` must start with, case-folded: one of these beginnings of a word.

    ``\\b(?:receives?|get|be paid)`` starts a word with "receive", "get" or "be": a sentence with no word that
    begins so cannot match. Only an expression that opens with a word boundary (after any lookaround) and
    then letters in every alternative counts; None otherwise.
    """
    if pattern in _STARTS:
        return _STARTS[pattern][1]
    items = _parsed(pattern)
    return None if items is None else _lead_words(items)


def _lead_words(parsed: list[Any]) -> tuple[str, ...] | None:
    items = list(parsed)
    bounded = False
    while items and items[0][0] in (constants.AT, constants.ASSERT, constants.ASSERT_NOT):
        op, value = items.pop(0)
        bounded = bounded or (op is constants.AT and value is constants.AT_BOUNDARY)
    leads = _leads(items) if bounded else None
    return tuple(sorted({lead.casefold() for lead in leads})) if leads else None


def _leads(items: list[Any]) -> list[str] | None:
    """The letters each alternative of a sequence opens with (none may be empty); None when unknown."""
    if not items:
        return None
    op, value = items[0]
    if op is constants.LITERAL:
        length = next((index for index, (kind, char) in enumerate(items)
                       if kind is not constants.LITERAL or not chr(char).isalnum()), len(items))
        return [_literal(items[:length])] if length else None
    if op is constants.SUBPATTERN:
        return _leads(list(value[-1]))
    if op is constants.BRANCH:
        found: list[str] = []
        for branch in value[1]:
            leads = _leads(list(branch))
            if not leads:
                return None
            found.extend(leads)
        return found
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
        body = _leads(list(value[2]))
        if value[0] >= 1 or body is None:
            return body
        rest = _leads(items[1:])  # "(?:a )?storm": either the optional words or what follows them
        return body + rest if rest else None
    return None


def _branches(items: list[Any]) -> list[Any]:
    if len(items) == 1 and items[0][0] is constants.BRANCH:
        return list(items[0][1][1])
    if len(items) == 1 and items[0][0] is constants.IN:
        return []
    return [items]


def _literal(items: list[Any]) -> str:
    """The word the items spell when every one is a letter or digit; empty otherwise."""
    if not items or any(op is not constants.LITERAL or not chr(value).isalnum() for op, value in items):
        return ""
    return "".join(chr(value) for _, value in items)
