"""Evaluating each monitor's signals and raising alerts through the intake (dedup, rooms and playbooks apply).

Signals asking for the same playbook kind make one alert, as severe as the largest of them. The alert
carries the figures and the top posts quoted as received (the room escapes them when it shows them),
except that handles are masked and links left out: authors' handles are never part of it. A kind already
raised is raised again only when it is more severe or the cool-down has passed; the intake attaches a
repeat to the incident it opened.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.alerts import flows
from app.alerts.parsers import AlertIn
from app.db import transaction
from app.incidents import briefing
from app.incidents.models import Incident
from app.monitoring import calm, detection, metrics, trend, wording
from app.monitoring.definitions import Monitor
from app.monitoring.models import Mention, MentionRollup, MonitorSignal
from app.monitoring.quoting import mask_handles, quote
from app.monitoring.runtime import get as monitoring
from app.monitoring.store import minute_of
from app.severity import Severity
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
REACH_WINDOW = 60  # minutes in which a post's reach counts
TOP_POSTS = 3


@dataclass(frozen=True)
class Raised:
    monitor_id: str
    kind: str
    severity: str
    signals: list[str]
    alert_id: int
    incident_id: int | None
    status: str


def counts(session: Session, monitor_id: str, end: datetime, minutes: int, *, negative: bool = False,
           risky: bool = False) -> list[int]:
    """Mentions per minute of the ``minutes`` minutes before ``end`` (a whole minute), oldest first: all of them, only
    the negative ones, only those with risk terms, or (both flags) the negative ones with risk terms."""
    start = end - timedelta(minutes=minutes)
    dense = [0] * minutes
    name = ("risky_negative" if risky else "negative") if negative else "risky" if risky else "mentions"
    counted = col(getattr(MentionRollup, name))
    query = select(col(MentionRollup.minute), counted).where(
        col(MentionRollup.monitor_id) == monitor_id, col(MentionRollup.minute) >= start,
        col(MentionRollup.minute) < end)
    for minute, mentions in session.execute(query).tuples():
        dense[int((as_utc(minute) - start).total_seconds() // 60)] = mentions
    return dense


def restart(session: Session, monitor_id: str, kind: str, now: datetime, cooldown: timedelta) -> datetime | None:
    """Where the volume's change detector starts afresh: at the last alert of its kind, and again once that
    alert's cool-down has passed (None: no alert of the kind in the detector's reach)."""
    last = session.execute(select(col(MonitorSignal.fired_at)).where(
        col(MonitorSignal.monitor_id) == monitor_id, col(MonitorSignal.kind) == kind,
        col(MonitorSignal.fired_at) > now - timedelta(minutes=detection.CUSUM_LOOKBACK) - cooldown,
    ).order_by(col(MonitorSignal.fired_at).desc()).limit(1)).scalars().first()
    if last is None:
        return None
    fired = minute_of(as_utc(last))
    return fired + cooldown if now >= fired + cooldown else fired


COLUMNS = ("mentions", "negative", "risky", "risky_negative")
RECENT = detection.CUSUM_LOOKBACK  # the last minutes read again at each evaluation: most late posts land there
NOISE_EVERY = timedelta(minutes=60)  # how long a series' burstiness is kept (it is measured over a week)


@dataclass
class Kept:
    """What a monitor's evaluations keep from one minute to the next: its per-minute history (``COLUMNS``, the
    minutes before ``end``), each series' burstiness and its change detector's per-minute baselines."""

    end: datetime
    columns: dict[str, list[int]]
    noise: dict[str, tuple[datetime, float]] = field(default_factory=dict)
    cusum: dict[str, detection.CusumCache] = field(default_factory=dict)

    def burstiness(self, name: str, series: detection.Series, window: int) -> float:
        known = self.noise.get(f"{name}:{window}")
        if known is None or self.end - known[0] >= NOISE_EVERY:
            known = (self.end, detection.burstiness(series, window))
            self.noise[f"{name}:{window}"] = known
        return known[1]


_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine: {monitor id: Kept}
_KEPT_LOCK = threading.Lock()


def _where(monitor_id: str, start: datetime, end: datetime):
    return (col(MentionRollup.monitor_id) == monitor_id, col(MentionRollup.minute) >= start,
            col(MentionRollup.minute) < end)


def _read(session: Session, monitor_id: str, end: datetime, minutes: int) -> dict[str, list[int]]:
    """The ``COLUMNS`` per minute of the ``minutes`` minutes before ``end``, oldest first, in one query."""
    start = end - timedelta(minutes=minutes)
    dense = {name: [0] * minutes for name in COLUMNS}
    query = select(col(MentionRollup.minute), *(col(getattr(MentionRollup, name)) for name in COLUMNS)).where(
        *_where(monitor_id, start, end))
    for minute, *values in session.execute(query).tuples():
        index = int((as_utc(minute) - start).total_seconds() // 60)
        for name, value in zip(COLUMNS, values, strict=True):
            dense[name][index] = value
    return dense


def kept_history(session: Session, monitor_id: str, end: datetime, minutes: int) -> Kept:
    """The monitor's per-minute history of ``minutes`` minutes before ``end``: moved on from the last evaluation
    with only the last ``RECENT`` minutes read again, unless the earlier minutes' sum of mentions shows posts
    stored there since (counts only grow; a late post, a first poll of a feed): then read whole."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    recent = min(RECENT, minutes)
    with _KEPT_LOCK:
        by_monitor = _KEPT.setdefault(engine, {})
        kept = by_monitor.get(monitor_id)
        moved = -1 if kept is None else int((end - kept.end).total_seconds() // 60)
        if kept is not None and 0 <= moved <= recent and len(kept.columns["mentions"]) == minutes:
            earlier = session.execute(select(func.coalesce(func.sum(col(MentionRollup.mentions)), 0)).where(
                *_where(monitor_id, end - timedelta(minutes=minutes), end - timedelta(minutes=recent)))).scalar()
            if earlier == sum(kept.columns["mentions"][moved:moved + minutes - recent]):
                fresh = _read(session, monitor_id, end, recent)
                kept.columns = {name: kept.columns[name][moved:moved + minutes - recent] + fresh[name]
                                for name in COLUMNS}
                for cache in kept.cusum.values():
                    cache.advance(moved)
                kept.end = end
                return kept
        kept = Kept(end, _read(session, monitor_id, end, minutes))
        by_monitor[monitor_id] = kept
        return kept


def _volume(kept: Kept, monitor: Monitor, end: datetime, start: int) -> detection.Finding | None:
    """The volume's tests on all mentions, then (if they raise nothing) on the negative posts; a post with a
    risk term counts the monitor's weight in each change detector."""
    volume = monitor.signals.volume
    assert volume is not None
    window = volume.window_minutes
    quiet = len(kept.columns["mentions"]) - detection.CUSUM_LOOKBACK  # the dispersion of the quiet days
    weigh = bool(monitor.risk_terms.terms) and monitor.risk_terms.weight > 1 and volume.buildup
    tests = [("mentions", "risky", detection.volume)]
    if volume.negative:
        tests.append(("negative", "risky_negative", detection.negative_volume))
    for name, risky, test in tests:
        series = detection.Series(kept.columns[name])
        evidence = None
        if weigh:
            weighted = detection.weighted(kept.columns[name], kept.columns[risky], monitor.risk_terms.weight,
                                          history=quiet)
            evidence = replace(weighted, noise=kept.burstiness(f"weighted {name}", weighted.counts, window))
        cache = kept.cusum.setdefault(("weighted " if weigh else "") + name, detection.CusumCache())
        found = test(series, end, window=window, z=volume.burst_z(), h=volume.cusum_h(), shift=volume.shifts(),
                     min_ratio=volume.min_ratio, min_mentions=volume.min_mentions, kind=volume.kind,
                     noise=kept.burstiness(name, series, window), evidence=evidence, start=start, cache=cache)
        if found is not None:
            return found
    return None


def _sums(session: Session, monitor_id: str, start: datetime, end: datetime) -> tuple[int, int, int]:
    """(scored, negative, risky) posts of the monitor from ``start`` to ``end``."""
    total = [func.coalesce(func.sum(col(getattr(MentionRollup, name))), 0) for name in ("scored", "negative", "risky")]
    query = select(*total).where(col(MentionRollup.monitor_id) == monitor_id, col(MentionRollup.minute) >= start,
                                 col(MentionRollup.minute) < end)
    scored, negative, risky = (int(value) for value in session.execute(query).one())
    return scored, negative, risky


_NEEDS = {"negative-and-risky": col(Mention.negative) & col(Mention.risky),
          "negative-or-risky": col(Mention.negative) | col(Mention.risky),
          "negative": col(Mention.negative), "risky": col(Mention.risky)}


def _posts(session: Session, monitor_id: str, since: datetime, now: datetime, *, followers: int | None = None,
           engagement: float | None = None, needs: str = "negative-and-risky", limit: int = 50) -> list[detection.Post]:
    weight = col(Mention.followers) + 20 * (col(Mention.likes) + col(Mention.shares) + col(Mention.replies))
    query = select(Mention).where(col(Mention.monitor_id) == monitor_id, col(Mention.created_at) >= since)
    if followers is not None:  # reach: posts that carry what it needs, from large accounts or with much engagement
        engaged = col(Mention.likes) + col(Mention.shares) + col(Mention.replies)
        query = query.where(_NEEDS[needs]).where((col(Mention.followers) >= followers) | (engaged >= engagement))
    rows: Sequence[Mention] = session.execute(query.order_by(weight.desc()).limit(limit)).scalars().all()
    return [detection.Post(text=row.text, platform=row.platform, followers=row.followers,
                           engagement=row.likes + row.shares + row.replies,
                           minutes_old=max((now - as_utc(row.created_at)).total_seconds() / 60, 0.0), url=row.url,
                           negative=row.negative, risky=row.risky)
            for row in rows]


def assess(session: Session, monitor: Monitor, now: datetime,
           cooldown: timedelta = timedelta(minutes=60)) -> tuple[list[detection.Finding], list[detection.Post]]:
    """What the monitor's signals find at ``now``, and the window's top posts. ``cooldown``: the service's, after
    which the volume's change detector starts afresh."""
    end = minute_of(now)
    findings: list[detection.Finding] = []
    volume = monitor.signals.volume
    window = volume.window_minutes if volume else 10
    if volume:
        history = detection.HISTORY_DAYS * detection.DAY + detection.CUSUM_LOOKBACK + window + detection.SMOOTH_MAX
        since = restart(session, monitor.id, volume.kind, now, cooldown)
        start = 0 if since is None else max(int((since - (end - timedelta(minutes=history))).total_seconds() // 60), 0)
        found = _volume(kept_history(session, monitor.id, end, history), monitor, end, start)
        findings += [found] if found else []
    negative = monitor.signals.negative
    if negative:
        scored, bad, _ = _sums(session, monitor.id, end - timedelta(minutes=negative.window_minutes), end)
        found = detection.negative_share(bad, scored, share=negative.share, min_mentions=negative.min_mentions,
                                         kind=negative.kind)
        findings += [found] if found else []
    reach = monitor.signals.reach
    if reach:
        loud = _posts(session, monitor.id, now - timedelta(minutes=REACH_WINDOW), now, followers=reach.followers,
                      engagement=reach.engagement_per_minute, needs=reach.needs)
        found = detection.reach(loud, followers=reach.followers, engagement_per_minute=reach.engagement_per_minute,
                                kind=reach.kind, needs=reach.needs)
        findings += [found] if found else []
    if findings:
        _, _, risky = _sums(session, monitor.id, end - timedelta(minutes=window), end)
        findings = detection.lift(findings, risky, monitor.risk_terms.min_posts)
        top = _posts(session, monitor.id, now - timedelta(minutes=max(window, REACH_WINDOW)), now, limit=TOP_POSTS)
        return findings, top
    return [], []


def _quote(post: detection.Post, language: str | None) -> str:
    """The post as received, handles (``@ann``, ``@ann@x.social``) masked, on one line, shortened."""
    return quote(post.text, post.platform, post.followers, post.engagement, language=language)


def build_alert(monitor: Monitor, kind: str, findings: list[detection.Finding], top: list[detection.Post],
                language: str | None = "en") -> AlertIn:
    """The alert for the findings of one kind, in ``language`` (the rooms'): figures, summaries and the top posts;
    never an author's handle."""
    severity = max((f.severity for f in findings), key=lambda level: level.rank)
    names = [f.signal for f in findings]
    title = wording.title(monitor.title, names, language)
    lines = [f"- {wording.summary(f, language)}" for f in findings]
    if top:
        lines += ["", wording.top_posts_heading(language)] + [f"- {_quote(post, language)}" for post in top]
    metrics = {f"{f.signal}_{name}": float(value) for f in findings for name, value in f.figures.items()}
    raw = {"monitor": monitor.id, "findings": [{"signal": f.signal, "severity": f.severity.value,
                                               "summary": f.summary, "figures": f.figures} for f in findings],
           "top_posts": [{"platform": p.platform, "text": mask_handles(p.text), "followers": p.followers,
                          "engagement": p.engagement} for p in top]}
    return AlertIn(source="monitoring", kind=kind, title=title[:500], description="\n".join(lines), severity=severity,
                   dedup_key=f"monitor:{monitor.id}:{kind}", labels={"monitor": monitor.id, "signals": ",".join(names)},
                   metrics=metrics, raw=raw)


def _due(session: Session, monitor: Monitor, kind: str, severity: Severity, now: datetime, cooldown: timedelta) -> bool:
    last = session.execute(select(MonitorSignal).where(
        col(MonitorSignal.monitor_id) == monitor.id, col(MonitorSignal.kind) == kind,
        col(MonitorSignal.fired_at) > now - cooldown,
    ).order_by(col(MonitorSignal.fired_at).desc()).limit(1)).scalars().first()
    return last is None or severity.rank > Severity.parse(last.severity).rank


def evaluate_monitor(core, monitor: Monitor, now: datetime | None = None) -> list[Raised]:
    """Assess one monitor and raise an alert per playbook kind whose signals fire (and are due)."""
    now = now or utcnow()
    cooldown = timedelta(minutes=monitoring(core).settings.warroom_monitor_cooldown_minutes)
    with Session(core.engine) as session:
        findings, top = assess(session, monitor, now, cooldown)
        by_kind: dict[str, list[detection.Finding]] = {}
        for finding in findings:
            by_kind.setdefault(finding.kind, []).append(finding)
        due = {kind: found for kind, found in by_kind.items()
               if _due(session, monitor, kind, max((f.severity for f in found), key=lambda s: s.rank), now, cooldown)}
    raised = []
    try:
        calm.check(core, monitor, minute_of(now), lambda minutes: _counts(core, monitor.id, minute_of(now), minutes))
        if minute_of(now).minute % trend.BUCKET_MINUTES == 0:  # a quarter hour of the trend is complete
            refresh_briefings(core, monitor.id)
    except Exception:  # the room's extras never stop the signals
        log.exception("the calm-down check or briefing refresh of monitor %s failed", monitor.id)
    for kind, found in due.items():
        alert = build_alert(monitor, kind, found, top, core.settings.warroom_language)
        severity = alert.severity
        assert severity is not None  # build_alert always sets it
        result = flows.receive(core, alert)
        with transaction(core.engine) as session:
            session.add(MonitorSignal(monitor_id=monitor.id, kind=kind, severity=severity.value,
                                      signals=",".join(f.signal for f in found), fired_at=now,
                                      alert_id=result.alert_id, incident_id=result.incident_id))
        metrics.SIGNALS.labels(monitor=monitor.id, kind=kind, severity=severity.value).inc()
        log.info("monitor %s raised %s (%s): alert %s, %s", monitor.id, kind, severity.value, result.alert_id,
                 result.status)
        raised.append(Raised(monitor.id, kind, severity.value, [f.signal for f in found], result.alert_id,
                             result.incident_id, result.status))
    return raised


def _counts(core, monitor_id: str, end: datetime, minutes: int) -> list[int]:
    with Session(core.engine) as session:
        return counts(session, monitor_id, end, minutes)


def refresh_briefings(core, monitor_id: str) -> int:
    """Ask for the headline briefing of each open incident this monitor raised to be brought up to date (its
    trend moved on); returns how many."""
    with transaction(core.engine) as session:
        ids = select(col(MonitorSignal.incident_id)).where(col(MonitorSignal.monitor_id) == monitor_id,
                                                           col(MonitorSignal.incident_id).is_not(None))
        query = select(col(Incident.id)).where(col(Incident.id).in_(ids), col(Incident.status) == "open",
                                               col(Incident.briefing_ts).is_not(None))
        found: Sequence[int | None] = session.execute(query).scalars().all()
        incidents = [incident_id for incident_id in found if incident_id is not None]
        for incident_id in incidents:
            briefing.enqueue_refresh(session, incident_id)
    if incidents:
        core.deliver()
    return len(incidents)


def evaluate_all(core, now: datetime | None = None) -> list[Raised]:
    """Every monitor, once; a monitor that fails is logged and the others still run."""
    raised = []
    for monitor in monitoring(core).monitors.values():
        try:
            raised += evaluate_monitor(core, monitor, now)
        except Exception:
            log.exception("evaluating monitor %s failed", monitor.id)
    return raised
