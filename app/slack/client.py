"""The one Slack Web API client: SLACK_API_URL honoured, retries on 429, 5xx and connection errors."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from app import metrics


class _MeteredClient(WebClient):
    """A WebClient that counts calls, errors and time per method for /metrics."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        started = time.perf_counter()
        try:
            response = super().api_call(api_method, **kwargs)
        except Exception as exc:
            answer = getattr(exc, "response", None)  # a SlackApiError's answer from Slack
            error = (answer.get("error") if isinstance(answer, SlackResponse) else None) or type(exc).__name__
            metrics.SLACK_ERRORS.labels(method=api_method, error=str(error)).inc()
            raise
        finally:
            metrics.SLACK_CALLS.labels(method=api_method).inc()
            metrics.SLACK_LATENCY.labels(method=api_method).observe(time.perf_counter() - started)
        return response


def make_client(token: str, api_url: str, *, max_retries: int = 3) -> WebClient:
    """Build the client every Slack call goes through."""
    return _MeteredClient(
        token=token,
        base_url=api_url,
        timeout=15,
        proxy=None,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


def permalink(client: WebClient, channel: str | None, ts: str | None) -> str | None:
    """A message's permalink; None when there is no message or Slack cannot give one (never raises)."""
    if not (channel and ts):
        return None
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError:
        return None
