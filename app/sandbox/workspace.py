"""Simulated workspace members and user groups for the Slack sandbox."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Member:
    """A person (or bot) in the sandbox workspace."""

    id: str
    name: str
    real_name: str
    email: str
    tz: str = "Europe/Berlin"
    is_bot: bool = False
    title: str = ""
    deleted: bool = False  # deactivated: still listed, cannot be invited or messaged
    guest: str | None = None  # "multi" (multi-channel guest) or "single" (single-channel guest)

    @property
    def display_name(self) -> str:
        return self.name


@dataclass(frozen=True)
class Usergroup:
    """A Slack user group, mentioned as @handle."""

    id: str
    handle: str
    name: str
    members: tuple[str, ...] = ()


@dataclass
class Workspace:
    """The members and user groups the fake Slack knows about."""

    members: list[Member] = field(default_factory=list)
    usergroups: list[Usergroup] = field(default_factory=list)
    name: str = "Sandbox"
    domain: str = "sandbox"

    def member(self, user_id: str) -> Member | None:
        return next((m for m in self.members if m.id == user_id), None)

    def member_by_name(self, name: str) -> Member | None:
        return next((m for m in self.members if name in (m.name, m.real_name)), None)

    def usergroup(self, handle: str) -> Usergroup | None:
        handle = handle.lstrip("@")
        return next((g for g in self.usergroups if handle in (g.handle, g.id)), None)

    @classmethod
    def demo(cls) -> Workspace:
        """A sample company with a full crisis team, backups and two user groups."""
        domain = "northwind.example"

        def person(uid: str, name: str, real_name: str, title: str, tz: str = "Europe/Berlin") -> Member:
            email = real_name.lower().replace(" ", ".") + "@" + domain
            return Member(uid, name, real_name, email, tz=tz, title=title)

        members = [
            person("U0LEAD", "dana", "Dana Fischer", "crisis lead"),
            person("U0COMMS", "mia", "Mia Schneider", "communications lead"),
            person("U0COMMS2", "jonas", "Jonas Weber", "senior communications manager"),
            person("U0SOCIAL", "lea", "Lea Wagner", "social media manager"),
            person("U0LEGAL", "tom", "Tom Becker", "legal counsel"),
            person("U0LEGAL2", "sara", "Sara Hoffmann", "associate general counsel"),
            person("U0SEC", "ali", "Ali Demir", "IT security lead"),
            person("U0SEC2", "ben", "Ben Schulz", "security engineer"),
            person("U0HR", "nina", "Nina Koch", "HR business partner"),
            person("U0SUPPORT", "omar", "Omar Haddad", "customer service lead", tz="Europe/Lisbon"),
            person("U0CEO", "claire", "Claire Martin", "chief executive officer"),
            person("U0CFO", "felix", "Felix Braun", "chief financial officer", tz="Europe/London"),
            person("U0SCRIBE", "paul", "Paul Richter", "scribe"),
            person("U0DPO", "eva", "Eva Klein", "data protection officer"),
            person("U0BOARD", "helga", "Helga Baum", "chair of the supervisory board"),
            # People a real workspace has too: someone who left, and an agency's single-channel guest.
            Member("U0GONE", "lukas", "Lukas Wolf", "lukas.wolf@" + domain, title="former press officer",
                   deleted=True),
            Member("U0AGENCY", "kim", "Kim Lange", "kim@agency.example", title="PR agency (guest)", guest="single"),
        ]
        usergroups = [
            Usergroup("S0COMMS", "comms-team", "Communications team", ("U0COMMS", "U0COMMS2")),
            Usergroup("S0SECONCALL", "security-oncall", "Security on-call", ("U0SEC", "U0SEC2")),
            Usergroup("S0EXEC", "exec-team", "Executive team", ("U0CEO", "U0CFO")),
        ]
        return cls(members=members, usergroups=usergroups, name="Northwind Outdoor", domain="northwind")

    @staticmethod
    def demo_roster_yaml() -> str:
        """A roster file matching `Workspace.demo()`."""
        return (
            'roles:            # role key -> list of Slack user ids or "@usergroup-handle"\n'
            "  lead: [U0LEAD]\n"
            '  comms: ["@comms-team"]\n'
            "  social: [U0SOCIAL]\n"
            "  legal: [U0LEGAL]\n"
            '  security: ["@security-oncall"]\n'
            "  hr: [U0HR]\n"
            "  support: [U0SUPPORT]\n"
            "  exec: [U0CEO]\n"
            "  scribe: [U0SCRIBE]\n"
            "  dpo: [U0DPO]\n"
            "  board: [U0BOARD]\n"
            "backups:\n"
            "  comms: [U0COMMS2]\n"
            "  legal: [U0LEGAL2]\n"
            "  security: [U0SEC2]\n"
            "  exec: [U0CFO]\n"
            "executives: [U0CEO, U0CFO]\n"
        )
