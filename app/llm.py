"""The model client shared by statement drafting and situation briefs: one OpenAI-compatible chat call.

Answers in a shape of ours are asked for with Structured Outputs (:func:`strict_format`: a JSON schema with
``strict``, every field required, no others) and read back through a pydantic model of the same shape
(:func:`structured`), so an answer that is not JSON or does not fit is a ModelError naming where.

``openai`` is imported on first use, so a bot without a model never loads the client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    import openai

    from app.config import Settings

Model = TypeVar("Model", bound=BaseModel)


@dataclass
class LLMSettings:
    """How to reach an OpenAI-compatible chat completions API."""

    api_key: str
    model: str
    base_url: str | None = None
    timeout: float = 20.0
    max_retries: int = 1

    @classmethod
    def from_config(cls, settings: Settings) -> LLMSettings | None:
        """From the bot's settings; None when no model is configured."""
        if not settings.openai_api_key:
            return None
        return cls(api_key=settings.openai_api_key, model=settings.warroom_llm_model,
                   base_url=settings.openai_base_url, timeout=settings.warroom_llm_timeout, max_retries=1)


class ModelError(Exception):
    """The model gave no usable answer; the message is the reason, short enough to show to people.

    ``key`` and ``values`` name the reason for a phrase table (``model_error.<key>`` in app.i18n), so that a
    note can give it in the incident's language.
    """

    def __init__(self, message: str, *, key: str = "", **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


def client(settings: LLMSettings) -> openai.OpenAI:
    """An ``openai.OpenAI`` client for these settings (the statement checks' second opinion takes one)."""
    import openai  # optional heavy dependency: loaded only when a model is configured

    return openai.OpenAI(api_key=settings.api_key, base_url=settings.base_url, timeout=settings.timeout,
                         max_retries=0)


def complete(settings: LLMSettings, messages: list[dict[str, str]], *,
             response_format: dict[str, Any] | None = None) -> str:
    """Ask the model and return its reply text; every failure becomes a ModelError with a short reason.

    ``response_format`` is sent as given (e.g. a strict JSON schema)."""
    import openai  # optional heavy dependency: loaded only when a model is configured

    extra: dict[str, Any] = {} if response_format is None else {"response_format": response_format}
    # Retries are ours, not the client's (``client`` turns the SDK's off): a server error is tried again, a
    # timeout is not (the fallback must come after WARROOM_LLM_TIMEOUT, not twice that).
    model = client(settings)
    attempts = 1 + settings.max_retries
    for attempt in range(attempts):
        try:
            response = model.chat.completions.create(model=settings.model, messages=messages,  # type: ignore[arg-type]  # plain dicts for the SDK's message TypedDicts
                                                     temperature=0.2, **extra)
            break
        except openai.APITimeoutError:
            raise ModelError(f"the model timed out after {settings.timeout:g} s", key="timeout",
                             seconds=f"{settings.timeout:g}") from None
        except openai.APIStatusError as exc:
            if exc.status_code >= 500 and attempt + 1 < attempts:
                continue
            raise ModelError(f"the model answered HTTP {exc.status_code}", key="http", status=exc.status_code) from None
        except openai.APIConnectionError:
            if attempt + 1 < attempts:
                continue
            raise ModelError("the model could not be reached", key="unreachable") from None
        except Exception as exc:  # any other client failure must not break the caller's fallback
            raise ModelError(f"the model call failed ({type(exc).__name__})", key="failed",
                             error=type(exc).__name__) from None
    if not response.choices:
        raise ModelError("the model's reply had no choices", key="no_choices")
    content = response.choices[0].message.content
    if not content or not content.strip():
        raise ModelError("the model's reply was empty", key="empty")
    return content


def json_object(text: str) -> dict[str, Any]:
    """A model's reply read as one JSON object, or ModelError saying why it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ModelError("the model's reply was not valid JSON", key="not_json") from None
    if not isinstance(data, dict):
        raise ModelError("the model's reply was not a JSON object", key="not_object")
    return data


# --- Structured Outputs ----------------------------------------------------------------------------------

def strict_object(properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    """An object schema as strict structured output requires it: every property required, no other allowed."""
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": list(properties),
                              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def strict_format(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The ``response_format`` asking for an answer in ``schema`` (``strict``: the API holds the model to it)."""
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


def structured(content: str, model: type[Model], *, key: str, what: str) -> Model:
    """A reply read as ``model`` (the pydantic twin of the schema asked for), or ModelError saying where it
    does not fit: ``key`` names the phrase (``model_error.<key>``, with ``{where}``), ``what`` the schema in
    the English message (e.g. "the pack's schema")."""
    data = json_object(content)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.errors()[0]["loc"]) or "(the whole answer)"
        raise ModelError(f"the model's reply did not fit {what} ({where})", key=key, where=where) from None
