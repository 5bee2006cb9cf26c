"""``warroom export``: an incident's full record as JSON or Markdown."""

from __future__ import annotations

import json
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlmodel import Session

from app.reports.record import incident_record


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("app.reports", "templates"), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters["md"] = lambda text: str(text or "").replace("|", "\\|").replace("\n", " ")
    return env


def export(engine, incident_id: int, fmt: str) -> str:
    if fmt not in ("json", "md"):
        raise ValueError(f"unknown format {fmt!r}: use json or md")
    with Session(engine) as session:
        record = incident_record(session, incident_id)
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False, default=str)
    return environment().get_template("record.md.j2").render(**record)
