"""Does the statement point to its single source of information?

With a configured source, only that source counts: its text, or a link or e-mail address on its domain or
an approved domain (subdomains included). A phone number counts only as a hotline, in a sentence with one
of the rule's cues ("call", "Hotline"), so a barcode or a batch number is not a source. Without a configured
source any link counts, except in a sentence that warns about it (the rule's distrust words: "fake",
"phishing", "gefälscht").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from app.statements.checks.phrases import Analysed, entry_matches
from app.statements.checks.rules import Rule

URL = re.compile(
    r"\bhttps?://[^\s<>\"“”„]+|\bwww\.[^\s<>\"“”„]+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|org|net|de|at|ch|eu|io|info|co\.uk|example|gov|shop|app)\b(?:/[^\s<>\"“”„]*)?",
    re.IGNORECASE,
)
EMAIL = re.compile(r"\b[\w.+-]+@([\w-]+(?:\.[\w-]+)+)\b")
PHONE = re.compile(r"(?<![\w.:])(?:\+|00)?\(?\d[\d ()/-]{5,}\d(?![\w:]|\.\d)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND_LEVEL = {"co.uk", "org.uk", "com.au", "co.at", "or.at"}


def has_contact(text: str) -> bool:
    """True if the text contains a URL, e-mail address or phone number."""
    if URL.search(text) or EMAIL.search(text):
        return True
    return any(_is_phone(match.group()) for match in PHONE.finditer(text))


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    return 7 <= digits <= 15 and not ISO_DATE.fullmatch(candidate.strip())


def base_domain(value: str) -> str:
    """``status.acme.example`` from a URL, an e-mail address or a bare host; the registrable part of a host."""
    value = value.strip().casefold()
    if "@" in value and "://" not in value:
        host = value.rsplit("@", 1)[1]
    else:
        host = urlsplit(value if "://" in value else f"//{value}").hostname or ""
    host = host.removeprefix("www.").rstrip(".")
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in SECOND_LEVEL else 2
    return ".".join(labels[-keep:]) if len(labels) >= keep else host


def names_source(analysed: list[Analysed], rule: Rule, text: str, *, info_source: str | None,
                 approved_domains: Sequence[str] = ()) -> bool:
    """True if the statement names the configured source, an approved domain or a hotline."""
    source = (info_source or "").strip()
    if source and source.casefold().rstrip("/") in text.casefold():
        return True
    approved = {base_domain(domain) for domain in approved_domains if domain.strip()}
    if source and (URL.fullmatch(source) or EMAIL.fullmatch(source)):
        approved.add(base_domain(source))
    approved.discard("")
    for item in analysed:
        sentence = item.sentence.text
        links = [found.group() for found in URL.finditer(sentence)]
        links += [found.group() for found in EMAIL.finditer(sentence)]
        if approved and any(_on(link, approved) for link in links):
            return True
        if any(entry_matches(item, entry, rule.window) for entry in rule.distrust):
            continue
        if links and not approved:
            return True
        hotline = any(entry_matches(item, cue, 60) for cue in rule.cues)
        if hotline and any(_is_phone(found.group()) for found in PHONE.finditer(sentence)):
            return True
    return False


def _on(link: str, approved: set[str]) -> bool:
    domain = base_domain(link.rstrip(".,;:!?)"))
    return domain in approved
