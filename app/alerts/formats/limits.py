"""The intake's limits, defined once for every alert format."""

from __future__ import annotations

KIND_MAX = 64  # an identifier: longer is refused (422)
DEDUP_KEY_MAX = 255  # an identifier: longer is refused (422)
LABELS_MAX = 64  # entries in a generic alert's labels (422 beyond)
URL_MAX = 3_000  # Slack's limit for a link
TITLE_MAX = 500  # display text: shortened beyond, never refused
DESCRIPTION_MAX = 10_000  # display text: shortened visibly beyond, never refused
NESTING_MAX = 64  # levels of objects and lists in one body (400 beyond)
BODY_MAX = 256 * 1024  # bytes of one request body (413 beyond)
GROUP_LISTED_MAX = 10  # alerts of one group named in a room update; the others are counted
