"""What a monitor's alert says, in the language of the rooms it opens: the signals named in its title, each
finding's figures in words, and the heading of the top posts. The figures are the detectors'; only the words
and the number formats differ between languages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import i18n

if TYPE_CHECKING:
    from app.monitoring.detection import Finding

COUNTS = ("mentions", "window", "minutes", "observed", "scored", "posts", "followers", "largest", "risky")
NEGATIVE = "monitor.negative_"


def _words(values: dict[str, float], language: str | None) -> dict[str, str]:
    shown = {}
    for name, value in values.items():
        if name == "share":
            shown[name] = i18n.percent(value, language)
        elif name in COUNTS or name == "velocity":
            shown[name] = i18n.number(value, language)
        else:
            shown[name] = i18n.number(value, language, decimals=1)
    return shown


def summary(finding: Finding, language: str | None) -> str:
    """The finding in words: its phrase filled with its figures (a finding without a phrase as it wrote itself)."""
    return phrase_text(finding.phrase, finding.values, language) if finding.phrase else finding.summary


def phrase_text(phrase: str, values: dict[str, float], language: str | None) -> str:
    """A detector's phrase (``monitor.*``) filled with its values, in ``language``."""
    shown = _words(values, language)
    prefix = ""
    if phrase.startswith(NEGATIVE):  # the same tests on the negative posts alone
        phrase, prefix = "monitor." + phrase[len(NEGATIVE):], i18n.say(language, "monitor.negative_posts")
    loud = "monitor.reach_loud_one" if values.get("posts") == 1 else "monitor.reach_loud"
    if phrase == "monitor.reach_both":
        text = i18n.say(language, loud, **shown) + "; " + i18n.say(language, "monitor.reach_fast", **shown)
    elif phrase == "monitor.reach_loud":
        text = i18n.say(language, loud, **shown)
    else:
        text = i18n.say(language, phrase, **shown)
    if "risky" in values:
        text += risky_text(values["risky"], language)
    return prefix + text


def risky_text(risky: float, language: str | None) -> str:
    """``; 4 posts carry risk terms``: what lifted a finding one level."""
    return i18n.say(language, "monitor.risky", risky=i18n.number(risky, language))


def title(monitor_title: str, signals: list[str], language: str | None) -> str:
    """``Northwind Outdoor: mention spike, negative sentiment``."""
    names = [i18n.say(language, f"monitor.headline.{name}") for name in signals]
    return f"{monitor_title}: " + ", ".join(names)


def top_posts_heading(language: str | None) -> str:
    return i18n.say(language, "monitor.top_posts")
