"""A monitor's alert speaks the rooms' language: the signals in its title, each finding's figures in words and
number formats of that language, the top posts' heading and reach; English as before."""

from __future__ import annotations

from pathlib import Path

from app.monitoring import detection
from app.monitoring.definitions import load_monitors
from app.monitoring.signals import build_alert
from tests.test_german import english_left

MONITOR = load_monitors(Path(__file__).parent.parent / "monitors")[0]


def findings() -> list[detection.Finding]:
    share = detection.negative_share(620, 1240, share=0.35, min_mentions=20)
    loud = detection.Post("Boycott Northwind, @ann says", "mastodon", 250_000, 1_300, 4.0)
    reach = detection.reach([loud], followers=100_000, engagement_per_minute=50)
    assert share is not None and reach is not None
    return detection.lift([share, reach], risky=4, min_posts=3), loud


def test_a_monitor_alert_in_german():
    found, loud = findings()
    alert = build_alert(MONITOR, "shitstorm", found, [loud], "de")
    assert alert.title == "Northwind Outdoor: negative Stimmung, Beitrag mit großer Reichweite"
    assert "- 50 % von 1.240 bewerteten Erwähnungen sind negativ; 4 Beiträge enthalten Risikobegriffe" in \
        alert.description
    assert ("- 1 Beitrag eines Kontos mit mehr als 100.000 Followern (250.000); ein Beitrag mit 260 Interaktionen "
            "pro Minute; 4 Beiträge enthalten Risikobegriffe") in alert.description
    assert "Wichtigste Beiträge, wie empfangen:" in alert.description
    assert "„Boycott Northwind, @… says“ (mastodon, 250.000 Follower, 1.300 Interaktionen)" in alert.description
    assert english_left(alert.title + "\n" + alert.description.replace("Boycott Northwind", "")) == []
    assert alert.metrics["negative_negative_share"] == 0.5  # the figures are the same in every language


def test_a_monitor_alert_in_english_reads_as_before():
    found, loud = findings()
    alert = build_alert(MONITOR, "shitstorm", found, [loud])
    assert alert.title == "Northwind Outdoor: negative sentiment, high-reach post"
    assert "- 50% of 1,240 scored mentions are negative; 4 posts carry risk terms" in alert.description
    assert ("- 1 post from an account above 100,000 followers (250,000); a post gathering 260 engagements per "
            "minute; 4 posts carry risk terms") in alert.description
    assert "Top posts, as received:" in alert.description
    assert "“Boycott Northwind, @… says” (mastodon, 250,000 followers, 1,300 engagements)" in alert.description


def test_every_detector_finding_has_words_in_both_languages():
    from app.i18n import PHRASES
    from app.monitoring.wording import summary

    burst = detection.Finding("volume", "shitstorm", detection.Severity.HIGH, "x", {}, "monitor.burst",
                              {"mentions": 1234, "window": 10, "ratio": 4.25, "baseline": 290.4, "z": 6.1})
    negative = detection.Finding("negative_volume", "shitstorm", detection.Severity.HIGH, "x", {},
                                 "monitor.negative_rise_weighted",
                                 {"minutes": 12, "observed": 80, "expected": 31.5, "run_ratio": 2.5, "window": 10,
                                  "ratio": 3.0, "statistic": 14.2, "h": 13.6})
    assert summary(burst, "de") == ("1.234 Erwähnungen in 10 Min., das 4,2-Fache des üblichen Werts von 290,4 zu "
                                    "dieser Tageszeit (z 6,1)")
    assert summary(burst, "en") == "1,234 mentions in 10 min, 4.2x the baseline of 290.4 for this time of day (z 6.1)"
    assert summary(negative, "de").startswith("negative Beiträge: Erwähnungen (Beiträge mit Risikobegriffen stärker "
                                              "gewichtet) steigen seit 12 Min.: 80 statt erwarteter 31,5")
    keys = {key for key in PHRASES["en"] if key.startswith("monitor.")}
    assert keys and keys == {key for key in PHRASES["de"] if key.startswith("monitor.")}
