"""The war-room role keys, their English and German titles, and a key check shared by playbooks and roster."""

from __future__ import annotations

ROLES: dict[str, str] = {
    "lead": "Crisis lead",
    "comms": "Communications lead",
    "social": "Social media manager",
    "legal": "Legal counsel",
    "security": "IT security",
    "hr": "HR",
    "support": "Customer service lead",
    "exec": "Executive sponsor",
    "scribe": "Scribe",
    "dpo": "Data protection officer",
    "board": "Supervisory board chair",
}

ROLE_TITLES_DE: dict[str, str] = {
    "lead": "Krisenleitung",
    "comms": "Kommunikationsleitung",
    "social": "Social-Media-Management",
    "legal": "Rechtsabteilung",
    "security": "IT-Sicherheit",
    "hr": "Personalabteilung",
    "support": "Kundenservice-Leitung",
    "exec": "Verantwortliches Vorstandsmitglied",
    "scribe": "Protokollführung",
    "dpo": "Datenschutzbeauftragte(r)",
    "board": "Aufsichtsratsvorsitz",
}

ROLE_KEYS: tuple[str, ...] = tuple(ROLES)


def is_role_key(key: str) -> bool:
    """True if ``key`` is one of the known role keys."""
    return key in ROLES


def check_role_key(key: str) -> str:
    """Return ``key`` if it is a known role key; otherwise raise ValueError listing the valid keys."""
    if not isinstance(key, str) or key not in ROLES:
        raise ValueError(f"unknown role {key!r}: use one of {', '.join(ROLE_KEYS)}")
    return key


def role_title(key: str, language: str = "en") -> str:
    """The display title of a role in ``language`` (``en`` or ``de``; anything else falls back to English)."""
    check_role_key(key)
    if language == "de":
        return ROLE_TITLES_DE[key]
    return ROLES[key]
