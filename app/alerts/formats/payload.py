"""Decoding a webhook's JSON body safely: whatever the body holds, the result can be stored and exported.

Refused with a message naming the problem: text that is not JSON, ``NaN``/``Infinity`` and numbers beyond
the range of a float (neither is valid JSON once stored), and nesting deeper than ``NESTING_MAX``.
Normalised: NUL characters are removed and lone UTF-16 surrogates (a sender that cut an emoji in half)
become U+FFFD, in keys and values alike, so the stored raw payload is always valid UTF-8 JSON.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from app.alerts.formats.limits import NESTING_MAX

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class BodyError(ValueError):
    """A request body that cannot be taken as JSON; the message says why."""


def decode(raw: bytes) -> Any:
    """The JSON value of ``raw``, normalised; raises BodyError naming the problem."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except BodyError:
        raise
    except RecursionError:
        raise BodyError(f"body is nested too deeply (at most {NESTING_MAX} levels of objects and lists)") from None
    except UnicodeDecodeError as exc:
        raise BodyError(f"body is not valid UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except ValueError as exc:
        raise BodyError(f"body is not valid JSON: {exc}") from None
    return normalise(value)


def normalise(value: Any) -> Any:
    """A copy of a decoded JSON value with clean strings; raises BodyError when nested too deeply.

    Iterative, so that no depth of nesting can exhaust the interpreter's stack.
    """
    root: list[Any] = [value]
    stack: list[tuple[Any, Any, Any, int]] = [(root, 0, value, 1)]  # (parent, slot, value, depth)
    while stack:
        parent, slot, item, depth = stack.pop()
        if isinstance(item, str):
            parent[slot] = clean_text(item)
        elif isinstance(item, dict | list):
            if depth > NESTING_MAX:
                raise BodyError(f"body is nested too deeply (at most {NESTING_MAX} levels of objects and lists)")
            if isinstance(item, dict):
                copy: dict[str, Any] = {}
                for key, child in item.items():
                    copy[clean_text(key)] = child
                parent[slot] = copy
                stack.extend((copy, key, child, depth + 1) for key, child in copy.items())
            else:
                copy_list = list(item)
                parent[slot] = copy_list
                stack.extend((copy_list, index, child, depth + 1) for index, child in enumerate(copy_list))
    return root[0]


def clean_text(text: str) -> str:
    """Without NUL characters, with each lone surrogate replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _LONE_SURROGATE.sub("\ufffd", text)


def _refuse_constant(name: str) -> float:
    raise BodyError(f"body holds {name}, which is not a JSON number: send a number or null")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BodyError(f"body holds the number {text[:40]}, beyond the range of a float")
    return number
