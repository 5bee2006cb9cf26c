"""A local OpenAI-compatible chat completions server for tests and the offline demo.

By default it answers a drafting request with a plausible holding statement per requested channel,
built from the marker lines of the user prompt (``Channels:``, ``Language:``, ``Company:``,
``Next update:``, ``More information:``) and the numbered facts inside ``<facts>``.

A request with a ``json_schema`` response format is answered in that schema: the holding statement's
(``holding_statement``) with a statement per channel the schema names, the packs' schemas (``press_qa_pack``,
``stakeholder_map``, ``reply_macros``) with the skeleton's items rewritten from the ``<facts>`` (and one added
item), the checks' ``statement_findings`` with no findings.

Structured output is checked as the real API checks it: a ``response_format`` of type ``json_schema``
needs a valid name and schema, and with ``strict`` every object must list all its properties as required
and forbid additional ones, nest at most 10 levels and list at most 1000 enum values; a request that breaks
these rules gets HTTP 400 naming the problem, in OpenAI's error shape. A ``json_object`` request whose messages
never say "json" is refused as the real API refuses it.

``faults`` makes requests misbehave by schema name (``"*"`` for every request): ``"invalid-json"`` answers
JSON cut off in the middle, ``"off-schema"`` valid JSON that ignores the schema (what a server without strict
structured output may do), ``"timeout"`` no answer until the client gives up, a number that HTTP status.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[list[dict[str, Any]]], str]
Fault = str | int

X_LIMIT = 280
FAULTS = ("invalid-json", "off-schema", "timeout")
MAX_DEPTH = 10
MAX_ENUM_VALUES = 1000
HANG = 60.0  # how long a "timeout" fault holds the answer back (the client gives up long before)


class FakeOpenAI:
    """Serve ``POST /v1/chat/completions`` and ``GET /v1/models`` on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        reply: Reply | None = None,
        *,
        delay: float = 0.0,
        fail_status: int | None = None,
        fail_times: int = 0,
        model: str = "fake-model",
        port: int = 0,
        faults: dict[str, Fault] | None = None,
    ) -> None:
        for name, fault in (faults or {}).items():
            if not isinstance(fault, int) and fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r} for {name!r}: use one of {', '.join(FAULTS)} or a status")
        self.faults = dict(faults or {})
        self.reply = reply
        self.delay = delay
        self.fail_status = fail_status
        self.fail_times = fail_times
        self.model = model
        self.port = port
        self._requests: list[dict[str, Any]] = []
        self._failures = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake OpenAI server is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The parsed JSON bodies of the chat completion requests received so far."""
        with self._lock:
            return list(self._requests)

    def start(self) -> FakeOpenAI:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests still waiting out their delay are dropped without an answer."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _record(self, body: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(body)

    def _should_fail(self) -> bool:
        with self._lock:
            if self.fail_status is None or (self.fail_times and self._failures >= self.fail_times):
                return False
            self._failures += 1
            return True

    def _answer(self, messages: list[dict[str, Any]], response_format: Any = None) -> str:
        if self.reply is None:
            return answer_for(messages, response_format)
        if callable(self.reply):
            return self.reply(messages)
        return self.reply

    def fault_for(self, schema_name: str | None) -> Fault | None:
        """The fault this request meets: its schema's, else the one for every request."""
        return self.faults.get(schema_name or "", self.faults.get("*"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        if self._path() not in ("/v1/models", "/models"):
            self._error(404, f"Unknown path {self.path}")
            return
        model = {"id": self.server.fake.model, "object": "model", "created": 1700000000, "owned_by": "fake"}
        self._json(200, {"object": "list", "data": [model]})

    def do_POST(self) -> None:
        fake = self.server.fake
        if self._path() not in ("/v1/chat/completions", "/chat/completions"):
            self._error(404, f"Unknown path {self.path}")
            return
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[len("Bearer "):].strip():
            self._error(401, "Incorrect API key provided.", code="invalid_api_key")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            self._error(400, "The request body is not valid JSON.")
            return
        if not isinstance(body, dict):
            self._error(400, "The request body must be a JSON object.")
            return
        fake._record(body)
        problem = _validate(body)
        if problem:
            self._error(400, problem[1], param=problem[0])
            return
        name = _schema_name(body)
        fault = fake.fault_for(name)
        if fake.delay and fake._stopping.wait(fake.delay):
            self.close_connection = True
            return
        if fault == "timeout" and fake._stopping.wait(HANG):
            self.close_connection = True
            return
        if isinstance(fault, int):
            self._error(fault, "The fake server was told to fail this request.")
            return
        if fake._should_fail():
            self._error(fake.fail_status or 500, "The fake server was told to fail this request.")
            return
        if fault in ("invalid-json", "off-schema"):
            self._json(200, _completion(body, _broken(fault, name)))
            return
        try:
            content = fake._answer(body["messages"], body.get("response_format"))
        except Exception as exc:  # a broken reply callable should show up as a server error
            self._error(500, f"The reply callable failed: {exc}")
            return
        self._json(200, _completion(body, content))

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/")

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout) before the answer
            self.close_connection = True

    def _error(self, status: int, message: str, *, param: str | None = None, code: str | None = None) -> None:
        kind = "server_error" if status >= 500 else "invalid_request_error"
        if status == 429:
            kind, code = "requests", code or "rate_limit_exceeded"
        error = {"message": message, "type": kind, "param": param, "code": code}
        # a short retry-after keeps the client's retries fast in tests
        self._json(status, {"error": error}, headers={"retry-after-ms": "10"})


def _validate(body: dict[str, Any]) -> tuple[str, str] | None:
    """(param, message) for an invalid chat completion request, else None."""
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        return "model", "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages", "'messages' must be a non-empty array"
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            return f"messages.[{index}]", f"messages[{index}] must be an object with a role"
    if body.get("stream"):
        return "stream", "streaming is not supported by this server"
    return _validate_response_format(body.get("response_format"), messages)


RESPONSE_FORMATS = ("text", "json_object", "json_schema")
_SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _validate_response_format(value: Any, messages: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(param, message) for a response_format the real API would refuse, else None."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in RESPONSE_FORMATS:
        kind = value.get("type") if isinstance(value, dict) else value
        return "response_format.type", (f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object', "
                                        "and 'json_schema'.")
    if value["type"] == "json_object" and not any("json" in str(m.get("content") or "").lower() for m in messages):
        return "messages", "'messages' must contain the word 'json' in some form, to use 'response_format' of type " \
                           "'json_object'."
    if value["type"] != "json_schema":
        return None
    spec = value.get("json_schema")
    if not isinstance(spec, dict):
        return "response_format.json_schema", "Missing required parameter: 'response_format.json_schema'."
    name = spec.get("name")
    if not isinstance(name, str) or not _SCHEMA_NAME.match(name):
        return "response_format.json_schema.name", ("Invalid 'response_format.json_schema.name': string does not "
                                                    "match pattern '^[a-zA-Z0-9_-]{1,64}$'.")
    schema = spec.get("schema")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return "response_format", (f"Invalid schema for response_format '{name}': schema must be a JSON Schema "
                                   "of 'type: \"object\"'.")
    if spec.get("strict"):
        problem = _strict_problem(schema, ())
        if problem:
            return "response_format", f"Invalid schema for response_format '{name}': {problem}"
    return None


def _strict_problem(schema: Any, context: tuple[str, ...]) -> str | None:
    """The first rule of strict structured output that ``schema`` breaks, as the API words it."""
    if not isinstance(schema, dict):
        return None
    where = f"In context=({', '.join(repr(part) for part in context)})"
    depth = sum(1 for part in context if part in ("properties", "items"))
    if depth > MAX_DEPTH:
        return f"{where}, schema exceeds the maximum nesting depth of {MAX_DEPTH} levels."
    if not context:
        count = _enum_values(schema)
        if count > MAX_ENUM_VALUES:
            return f"schema has {count} enum values in total, over the limit of {MAX_ENUM_VALUES}."
    if schema.get("type") == "object":
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return f"{where}, 'additionalProperties' is required to be supplied and to be false."
        required = schema.get("required", [])
        missing = [key for key in properties if key not in required]
        if missing:
            return (f"{where}, 'required' is required to be supplied and to be an array including every key in "
                    f"properties. Missing '{missing[0]}'.")
        for key, sub in properties.items():
            problem = _strict_problem(sub, (*context, "properties", key))
            if problem:
                return problem
    if schema.get("type") == "array":
        return _strict_problem(schema.get("items"), (*context, "items"))
    return None


def _enum_values(schema: Any) -> int:
    if isinstance(schema, dict):
        own = len(schema["enum"]) if isinstance(schema.get("enum"), list) else 0
        return own + sum(_enum_values(value) for key, value in schema.items() if key != "enum")
    if isinstance(schema, list):
        return sum(_enum_values(value) for value in schema)
    return 0


def _schema_name(body: dict[str, Any]) -> str | None:
    """The name of the request's JSON schema, if it asks for one."""
    value = body.get("response_format")
    if isinstance(value, dict) and value.get("type") == "json_schema":
        return str((value.get("json_schema") or {}).get("name") or "") or None
    return None


def _broken(fault: Fault, schema_name: str | None) -> str:
    """A reply that breaks the contract: JSON cut off, or JSON that ignores the schema."""
    if fault == "invalid-json":
        return '{"items": [{"key": "what-happened", "question": "What happ'
    return json.dumps({"items": [{"title": "not what was asked", "text": 42}], "schema": schema_name})


def _completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    prompt_words = sum(len(str(m.get("content") or "").split()) for m in body["messages"])
    answer_words = len(content.split())
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": answer_words,
            "total_tokens": prompt_words + answer_words,
        },
    }


def _marker(text: str, name: str, default: str = "") -> str:
    match = re.search(rf"^{re.escape(name)}:[ \t]*(.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else default


def read_request(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The drafting parameters found in the user prompt's marker lines and <facts> block."""
    user = next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")
    block = re.search(r"<facts>(.*?)</facts>", user, re.DOTALL)
    facts = re.findall(r"^\s*\d+\.\s+(.+?)\s*$", block.group(1), re.MULTILINE) if block else []
    channels = [c.strip().lower() for c in _marker(user, "Channels", "press").split(",") if c.strip()]
    return {
        "company": _marker(user, "Company", "The company"),
        "language": _marker(user, "Language", "en").lower(),
        "channels": channels,
        "next_update": _marker(user, "Next update", "the top of the hour"),
        "info_source": _marker(user, "More information", ""),
        "facts": facts,
    }


def default_reply(messages: list[dict[str, Any]], channels: list[str] | None = None) -> str:
    """A JSON object with a six-part holding statement per requested channel (``channels``, else the prompt's)."""
    request = read_request(messages)
    if channels is not None:
        request["channels"] = channels
    write = _german if request["language"] == "de" else _english
    variants = {channel: write(channel, request) for channel in request["channels"]}
    return json.dumps(variants, ensure_ascii=False)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _short_post(lead: str, tail: str) -> str:
    """``lead`` shortened at a word boundary so that ``lead + tail`` fits on X."""
    room = X_LIMIT - len(tail)
    if room <= 1:
        lead = ""
    elif len(lead) > room:
        lead = lead[: room - 1].rsplit(" ", 1)[0] + "…"
    return (lead + tail).strip()[:X_LIMIT]


def _english(channel: str, req: dict[str, Any]) -> str:
    company, nu, source, facts = req["company"], req["next_update"], req["info_source"], req["facts"]
    empathy = ("We know this situation is worrying for the people affected, and we are treating it "
               "with the highest priority.")
    confirmed = (
        "What we can confirm: " + " ".join(_sentence(f) for f in facts)
        if facts else "We are verifying the facts and will share them as soon as they are confirmed."
    )
    unknown = "We do not yet know the full extent, and we will share details only once they are confirmed."
    action = f"Our teams are working on this now. The next update will follow at {nu}."
    commitment = "We will keep you informed openly and promptly."
    more = f"More information: {source}" if source else ""
    body = f"{empathy} {confirmed}\n\n{unknown} {action} {commitment}"
    if channel == "x":
        lead = _sentence(facts[0]) if facts else "We are aware of the situation and treating it with priority."
        return _short_post(lead, f" We are working on it. Next update at {nu}. {more}")
    if channel == "staff":
        return (f"Dear colleagues,\n\n{body}\n\nPlease do not comment publicly; refer all media and social "
                f"media enquiries to the communications team.\n\n{more}").strip()
    if channel == "email":
        return f"Dear customer,\n\n{body}\n\n{more}\n\nKind regards,\n{company}".strip()
    if channel in ("press", "website"):
        return f"Statement from {company}\n\n{body}\n\n{more}".strip()
    return f"{body}\n\n{more}".strip()


def _german(channel: str, req: dict[str, Any]) -> str:
    company, nu, source, facts = req["company"], req["next_update"], req["info_source"], req["facts"]
    empathy = ("Wir wissen, dass diese Situation für die Betroffenen beunruhigend ist, und behandeln sie "
               "mit höchster Priorität.")
    confirmed = (
        "Bestätigt ist: " + " ".join(_sentence(f) for f in facts)
        if facts else "Wir prüfen die Fakten und teilen sie, sobald sie bestätigt sind."
    )
    unknown = "Das volle Ausmaß ist noch nicht bekannt; Einzelheiten nennen wir, sobald sie bestätigt sind."
    action = f"Unsere Teams arbeiten mit Hochdruck daran. Das nächste Update folgt um {nu}."
    commitment = "Wir informieren offen und zeitnah."
    more = f"Weitere Informationen: {source}" if source else ""
    body = f"{empathy} {confirmed}\n\n{unknown} {action} {commitment}"
    if channel == "x":
        lead = _sentence(facts[0]) if facts else "Wir kennen die Lage und behandeln sie mit Priorität."
        return _short_post(lead, f" Wir arbeiten daran. Nächstes Update um {nu}. {more}")
    if channel == "staff":
        return (f"Liebe Kolleginnen und Kollegen,\n\n{body}\n\nBitte äußern Sie sich nicht öffentlich und "
                f"leiten Sie Anfragen von Medien an die Kommunikationsabteilung weiter.\n\n{more}").strip()
    if channel == "email":
        return (f"Sehr geehrte Kundin, sehr geehrter Kunde,\n\n{body}\n\n{more}\n\n"
                f"Mit freundlichen Grüßen\n{company}").strip()
    if channel in ("press", "website"):
        return f"Stellungnahme von {company}\n\n{body}\n\n{more}".strip()
    return f"{body}\n\n{more}".strip()


def answer_for(messages: list[dict[str, Any]], response_format: Any = None) -> str:
    """The default answer to a request: in its JSON schema when it names one this server knows."""
    spec = response_format.get("json_schema") if isinstance(response_format, dict) else None
    if not isinstance(spec, dict):
        return default_reply(messages)
    name = spec.get("name")
    if name == "statement_findings":
        return json.dumps({"findings": []})
    if name in PACK_SCHEMAS:
        return pack_reply(name, messages, spec.get("schema") or {})
    if name == STATEMENT_SCHEMA:  # the schema's properties are the channels asked for
        return default_reply(messages, list((spec.get("schema") or {}).get("properties") or {}))
    return default_reply(messages)


PACK_SCHEMAS = ("press_qa_pack", "stakeholder_map", "reply_macros")
STATEMENT_SCHEMA = "holding_statement"
PACK_WORDS = {
    "en": {"question": "What happens next?",
           "answer": "Our teams are working on this now. The next update will follow at {nu}; all information "
                     "is at {source}.",
           "media": "Journalists receive the approved statement and the press Q&A. The next update will follow "
                    "at {nu}; all information is at {source}.",
           "reply": "Thanks for asking. Everything we can confirm so far, and every update, is at {source}."},
    "de": {"question": "Wie geht es weiter?",
           "answer": "Unsere Teams arbeiten mit Hochdruck daran. Das nächste Update folgt um {nu}; alle "
                     "Informationen finden Sie unter {source}.",
           "media": "Journalistinnen und Journalisten erhalten die freigegebene Stellungnahme und die Presse-Q&A. "
                    "Das nächste Update folgt um {nu}; alle Informationen unter {source}.",
           "reply": "Danke für die Nachfrage. Alles, was wir bisher bestätigen können, und jedes Update finden "
                    "Sie unter {source}."},
}


def read_skeleton(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The playbook's items inside ``<skeleton>`` of the user prompt."""
    user = next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")
    block = re.search(r"<skeleton>(.*?)</skeleton>", user, re.DOTALL)
    if not block:
        return []
    items = json.loads(block.group(1)).get("items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _schema_roles(schema: dict[str, Any]) -> list[str]:
    item = ((schema.get("properties") or {}).get("items") or {}).get("items") or {}
    return list(((item.get("properties") or {}).get("owner") or {}).get("enum") or [])


def pack_reply(name: str, messages: list[dict[str, Any]], schema: dict[str, Any]) -> str:
    """A pack in its schema: every skeleton item, its text led by the first confirmed fact, and one item added."""
    request = read_request(messages)
    words = PACK_WORDS["de" if request["language"] == "de" else "en"]
    nu, source = request["next_update"], request["info_source"]
    lead = _sentence(request["facts"][0]) + " " if request["facts"] else ""
    items: list[dict[str, Any]] = []
    for item in read_skeleton(messages):
        if name == "press_qa_pack":
            items.append({"key": item["key"], "question": item["question"], "answer": lead + item["answer"]})
        elif name == "stakeholder_map":
            items.append({**item, "message": lead + item["message"]})
        else:
            reply = lead + item["reply"]
            items.append({"theme": item["theme"], "reply": reply if len(reply) <= X_LIMIT else item["reply"]})
    if name == "press_qa_pack":
        items.append({"key": "next-steps", "question": words["question"],
                      "answer": words["answer"].format(nu=nu, source=source)})
    elif name == "stakeholder_map":
        roles = _schema_roles(schema)
        if "comms" in roles and not any(item["audience"] == "media" for item in items):
            items.append({"audience": "media", "via": ["press"], "owner": "comms", "approvers": [["comms"]],
                          "message": words["media"].format(nu=nu, source=source)})
    else:
        items.append({"theme": "where-to-read", "reply": words["reply"].format(source=source)})
    return json.dumps({"items": items}, ensure_ascii=False)


def main(argv: list[str] | None = None) -> None:
    """Run the fake server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="Local OpenAI-compatible server for the offline demo.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    fake = FakeOpenAI(delay=args.delay, port=args.port).start()
    print(f"fake OpenAI server at {fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
