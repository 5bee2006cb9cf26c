"""Alert intake parsers: turn each supported webhook body into normalised ``AlertIn`` records."""

from app.alerts.formats.alertmanager import is_grafana, map_severity, parse_alertmanager
from app.alerts.formats.generic import parse_generic
from app.alerts.formats.model import AlertFormatError, AlertIgnored, AlertIn, normalise_kind
from app.alerts.formats.pagerduty import parse_pagerduty

__all__ = [
    "AlertFormatError",
    "AlertIgnored",
    "AlertIn",
    "is_grafana",
    "map_severity",
    "normalise_kind",
    "parse_alertmanager",
    "parse_generic",
    "parse_pagerduty",
]
