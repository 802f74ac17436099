"""MI340 errors: the migrated except clauses, isinstance checks and retry policies behave like
the originals.

Each program below is run twice: as written, against a stand-in `openai` package whose
exception classes follow openai 0.28 (`openai.error.X`) and 1.x (`openai.X`), and migrated,
against the real `azure.core.exceptions`.  For every failure scenario (an HTTP status, a
timeout, a refused connection, an unrelated error) the original sees the class its SDK raised
for it and the migration sees the class azure-ai-inference raises (its map_error table); both
must take the same branch.
"""

from __future__ import annotations

import ast
import sys
import types
from typing import Callable, Dict

import pytest

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

exceptions = pytest.importorskip("azure.core.exceptions")

SCENARIOS = [
    400,
    401,
    403,
    404,
    409,
    415,
    422,
    429,
    500,
    502,
    503,
    "timeout",
    "connect",
    "other",
]


# -- the stand-in openai package -------------------------------------------------------
def _fake_openai() -> types.ModuleType:
    openai = types.ModuleType("openai")
    error = types.ModuleType("openai.error")

    class OpenAIError(Exception):  # v0 (openai/error.py)
        def __init__(self, message=None, http_status=None):
            super().__init__(message)
            self.http_status = http_status
            self.user_message = message

    v0 = {"OpenAIError": OpenAIError}
    for name in (
        "APIError",
        "TryAgain",
        "Timeout",
        "APIConnectionError",
        "InvalidRequestError",
        "AuthenticationError",
        "PermissionError",
        "RateLimitError",
        "ServiceUnavailableError",
    ):
        v0[name] = type(name, (OpenAIError,), {})
    for name, cls in v0.items():
        setattr(error, name, cls)

    class V1OpenAIError(Exception):  # v1 (openai/_exceptions.py)
        pass

    class APIError(V1OpenAIError):
        def __init__(self, message=None, status_code=None):
            super().__init__(message)
            self.status_code = status_code

    v1: Dict[str, type] = {"OpenAIError": V1OpenAIError, "APIError": APIError}
    v1["APIConnectionError"] = type("APIConnectionError", (APIError,), {})
    v1["APITimeoutError"] = type("APITimeoutError", (v1["APIConnectionError"],), {})
    v1["APIStatusError"] = type("APIStatusError", (APIError,), {})
    for name in (
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
    ):
        v1[name] = type(name, (v1["APIStatusError"],), {})
    for name, cls in v1.items():
        setattr(openai, name, cls)

    class Client:  # a client the migration kept: built at import, never called here
        def __init__(self, **options):
            self.options = options

    openai.OpenAI = openai.AzureOpenAI = Client  # type: ignore[attr-defined]
    openai.error = error  # type: ignore[attr-defined]
    openai.v0 = v0  # type: ignore[attr-defined]
    return openai


def _v0_error(openai, scenario) -> BaseException:
    """What openai 0.28 raised (api_requestor.py)."""
    e = openai.v0
    if scenario == "timeout":
        return e["Timeout"]("Request timed out")
    if scenario == "connect":
        return e["APIConnectionError"]("Error communicating with OpenAI")
    if scenario == "other":
        return KeyError("choices")
    cls = {
        429: e["RateLimitError"],
        400: e["InvalidRequestError"],
        404: e["InvalidRequestError"],
        415: e["InvalidRequestError"],
        401: e["AuthenticationError"],
        403: e["PermissionError"],
        409: e["TryAgain"],
        503: e["ServiceUnavailableError"],
    }.get(scenario, e["APIError"])
    return cls(f"status {scenario}", http_status=scenario)


def _v1_error(openai, scenario) -> BaseException:
    """What openai 1.x raises (_client.py _make_status_error)."""
    if scenario == "timeout":
        return openai.APITimeoutError("Request timed out.")
    if scenario == "connect":
        return openai.APIConnectionError("Connection error.")
    if scenario == "other":
        return KeyError("choices")
    cls = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        409: openai.ConflictError,
        422: openai.UnprocessableEntityError,
        429: openai.RateLimitError,
    }.get(scenario)
    if cls is None:
        cls = openai.InternalServerError if scenario >= 500 else openai.APIStatusError
    return cls(f"status {scenario}", status_code=scenario)


class _Response:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.reason = "reason"
        self.headers: Dict[str, str] = {}

    def text(self) -> str:
        return '{"error": {"code": "code", "message": "message"}}'


def _azure_error(scenario) -> BaseException:
    """What azure-ai-inference raises (map_error in _patch.py, azure-core transports)."""
    if scenario == "timeout":
        return exceptions.ServiceResponseTimeoutError("Read timed out")
    if scenario == "connect":
        return exceptions.ServiceRequestError("Connection refused")
    if scenario == "other":
        return KeyError("choices")
    cls = {
        401: exceptions.ClientAuthenticationError,
        404: exceptions.ResourceNotFoundError,
        409: exceptions.ResourceExistsError,
    }.get(scenario, exceptions.HttpResponseError)
    return cls(response=_Response(scenario))


# -- running a program -------------------------------------------------------------------
def _migrate(source: str) -> str:
    result = migrate_source(source, Config())
    assert result.error is None, result.error
    assert result.code != source
    assert "openai" not in result.code.replace(
        "# TODO(migrate-inference)", ""
    ), result.code
    ast.parse(result.code)
    assert (
        migrate_source(result.code, Config()).code == result.code
    ), "a second run must change nothing"
    return result.code


def _load(source: str, monkeypatch, openai=None) -> dict:
    if openai is not None:
        monkeypatch.setitem(sys.modules, "openai", openai)
        monkeypatch.setitem(sys.modules, "openai.error", openai.error)
    namespace: dict = {"__name__": "program"}
    exec(compile(source, "<program>", "exec"), namespace)
    return namespace


def _outcome(fn: Callable, error: BaseException):
    def call():
        raise error

    try:
        return ("returned", fn(call))
    except BaseException as escaped:  # noqa: BLE001 - which class escaped is the point
        return ("raised", "same" if escaped is error else type(escaped).__name__)


def _same_behaviour(
    source: str, monkeypatch, make_original, scenarios=SCENARIOS, name="handle"
):
    migrated = _migrate(source)
    openai = _fake_openai()
    original_fn = _load(source, monkeypatch, openai)[name]
    migrated_fn = _load(migrated, monkeypatch)[name]
    for scenario in scenarios:
        expected = _outcome(original_fn, make_original(openai, scenario))
        got = _outcome(migrated_fn, _azure_error(scenario))
        assert got == expected, f"scenario {scenario}:\n{migrated}"
    return migrated


# -- except chains ---------------------------------------------------------------------------
V0_CHAIN = """
import openai


def handle(call):
    try:
        return call()
    except openai.error.RateLimitError:
        return "rate limited"
    except openai.error.InvalidRequestError as e:
        return f"invalid request {e.http_status}"
    except openai.error.AuthenticationError:
        return "bad key"
"""


def test_v0_chain_dispatches_on_status(monkeypatch):
    migrated = _same_behaviour(V0_CHAIN, monkeypatch, _v0_error)
    assert "except ClientAuthenticationError:" in migrated
    assert "e.status_code in (400, 404, 415)" in migrated


V0_RATE_LIMIT_THEN_EXCEPTION = """
import openai


def handle(call):
    try:
        return call()
    except openai.error.RateLimitError:
        return "retry later"
    except Exception as err:
        return f"failed: {type(err).__name__ != ''}"
"""


def test_status_clause_before_catch_all(monkeypatch):
    migrated = _same_behaviour(V0_RATE_LIMIT_THEN_EXCEPTION, monkeypatch, _v0_error)
    assert "except Exception as err:" in migrated


V0_API_ERROR_FIRST = """
import openai


def handle(call):
    try:
        return call()
    except openai.error.APIError:
        return "api error"
    except openai.error.RateLimitError:
        return "rate limited"
    except openai.error.AuthenticationError:
        return "bad key"
    except openai.error.TryAgain:
        return "try again"
    except (openai.error.Timeout, openai.error.ServiceUnavailableError) as e:
        return f"busy {e.http_status}"
"""


def test_v0_siblings_reordered_most_specific_first(monkeypatch):
    # azure's classes nest where v0's were siblings: the order must change, not the meaning.
    # v0 raised APIError only for statuses without a class of their own; HttpResponseError is
    # every status, so 400/403/404/415 (InvalidRequestError, PermissionError) now reach the
    # APIError clause instead of escaping (documented widening).
    scenarios = [s for s in SCENARIOS if s not in (400, 403, 404, 415)]
    migrated = _same_behaviour(
        V0_API_ERROR_FIRST, monkeypatch, _v0_error, scenarios=scenarios
    )
    assert migrated.index("except ClientAuthenticationError:") < migrated.index(
        "except (HttpResponseError"
    )


V0_GUARD = """
import openai


def handle(call):
    try:
        return call()
    except openai.error.RateLimitError as e:
        return f"rate limited {e.http_status} {bool(e.user_message)}"
    except openai.error.Timeout:
        return "timeout"
    except openai.error.APIConnectionError:
        return "no connection"
"""


V0_MIXED_TUPLE = """
import openai


def handle(call):
    try:
        return call()
    except openai.error.RateLimitError:
        return "rate limited"
    except (openai.error.PermissionError, KeyError):
        return "forbidden or malformed"
"""


def test_mixed_tuple_after_status_clause(monkeypatch):
    migrated = _same_behaviour(V0_MIXED_TUPLE, monkeypatch, _v0_error)
    assert (
        "isinstance(e, KeyError) or (isinstance(e, HttpResponseError) and e.status_code == 403)"
        in migrated
    )


def test_single_status_clause_reraises_other_statuses(monkeypatch):
    migrated = _same_behaviour(
        V0_GUARD,
        monkeypatch,
        _v0_error,
        scenarios=[s for s in SCENARIOS if s != "timeout"],
    )
    assert "if e.status_code != 429:\n            raise" in migrated
    assert (
        "{e.status_code} {bool((e.error.message if e.error is not None else e.message))}"
        in migrated
    )


def test_v0_timeout_and_connection_clauses(monkeypatch):
    # v0 Timeout and APIConnectionError were siblings; on azure the timeouts subclass the
    # connection errors, so a timeout reaches the first clause that names either
    migrated = _migrate(V0_GUARD)
    fn = _load(migrated, monkeypatch)["handle"]
    assert _outcome(fn, exceptions.ServiceResponseTimeoutError("t")) == (
        "returned",
        "timeout",
    )
    assert _outcome(fn, exceptions.ServiceRequestTimeoutError("t")) == (
        "returned",
        "timeout",
    )
    assert _outcome(fn, exceptions.ServiceResponseError("r")) == (
        "returned",
        "no connection",
    )


V1_CHAIN = """
import openai
from openai import APIConnectionError, BadRequestError


def handle(call):
    try:
        return call()
    except openai.RateLimitError as e:
        return f"rate limited ({e.status_code})"
    except BadRequestError as e:
        return f"bad request ({e.status_code})"
    except openai.NotFoundError:
        return "no such deployment"
    except (openai.UnprocessableEntityError, openai.PermissionDeniedError):
        return "refused"
    except openai.InternalServerError:
        return "server error"
    except APIConnectionError:
        return "network"
    except openai.APIStatusError as e:
        return f"API error ({e.status_code})"
"""


def test_v1_chain(monkeypatch):
    _same_behaviour(V1_CHAIN, monkeypatch, _v1_error)


V1_BASE_FIRST = """
import openai


def handle(call):
    try:
        return call()
    except openai.AuthenticationError:
        return "bad key"
    except openai.APIError:
        return "api"
    except openai.OpenAIError:
        return "never"
"""


def test_v1_subclass_before_base_stays_in_place(monkeypatch):
    migrated = _same_behaviour(V1_BASE_FIRST, monkeypatch, _v1_error)
    assert "if " not in migrated  # plain renames: no dispatch needed
    assert "except AzureError:" in migrated


# -- isinstance ----------------------------------------------------------------------------
ISINSTANCE = """
import openai


def handle(call):
    try:
        return call()
    except Exception as e:
        if isinstance(e, openai.error.AuthenticationError):
            return "bad key"
        if not isinstance(e, (openai.error.RateLimitError, openai.error.Timeout)):
            return "other"
        return "retry"
"""


def test_isinstance(monkeypatch):
    _same_behaviour(ISINSTANCE, monkeypatch, _v0_error)


# -- tenacity and backoff ---------------------------------------------------------------------
TENACITY = """
import openai
from tenacity import retry, retry_if_exception_type, stop_after_attempt


def handle(call):
    attempts = []

    @retry(
        retry=retry_if_exception_type((openai.error.RateLimitError, openai.error.Timeout)),
        stop=stop_after_attempt(3),
    )
    def once():
        attempts.append(1)
        call()

    try:
        once()
    except Exception:
        pass
    return len(attempts)
"""


def test_tenacity_retries_the_same_failures(monkeypatch):
    pytest.importorskip("tenacity")
    migrated = _same_behaviour(TENACITY, monkeypatch, _v0_error)
    assert "retry_if_exception(" in migrated


BACKOFF = """
import backoff
import openai


def handle(call):
    attempts = []

    @backoff.on_exception(backoff.constant, openai.error.RateLimitError, interval=0, max_tries=3, jitter=None)
    def once():
        attempts.append(1)
        call()

    @backoff.on_exception(
        backoff.constant,
        (openai.error.ServiceUnavailableError, openai.error.APIConnectionError),
        interval=0,
        max_tries=2,
        jitter=None,
        giveup=lambda e: "never" in str(e),
    )
    def twice():
        attempts.append(10)
        call()

    for fn in (once, twice):
        try:
            fn()
        except Exception:
            pass
    return sum(attempts)
"""


def test_backoff_gives_up_on_the_same_failures(monkeypatch):
    pytest.importorskip("backoff")
    # v0's Timeout was not an APIConnectionError; azure's timeouts are connection errors, so a
    # policy on APIConnectionError now retries timeouts too (documented widening)
    scenarios = [s for s in SCENARIOS if s != "timeout"]
    migrated = _same_behaviour(BACKOFF, monkeypatch, _v0_error, scenarios=scenarios)
    assert "giveup=lambda e: e.status_code != 429" in migrated


# -- what stays ------------------------------------------------------------------------------
def test_user_classes_with_openai_names_are_untouched():
    source = """
import openai
from mylib import APIError


class RateLimitError(Exception):
    pass


def handle(call):
    try:
        return openai.ChatCompletion.create(model="gpt-4", messages=[])
    except RateLimitError:
        return None
    except APIError as e:
        return e.http_status
"""
    result = migrate_source(source, Config())
    assert "except RateLimitError:" in result.code
    assert "except APIError as e:" in result.code
    assert "e.http_status" in result.code
    assert not [f for f in result.findings if f.code == "MI340"]


def test_exceptions_stay_while_the_file_still_calls_openai():
    source = """
import openai


def handle(text):
    try:
        return openai.Completion.create(engine="davinci", prompt=text)
    except openai.error.RateLimitError:
        return None
"""
    result = migrate_source(source, Config())
    assert "except openai.error.RateLimitError:" in result.code
    todos = [f for f in result.findings if f.code == "MI340"]
    assert todos and all(f.kind == "todo" for f in todos)
    assert "openai.Completion.create is not migrated" in todos[0].message
    assert "import openai" in result.code


def test_unmigrated_chat_call_blocks_too():
    source = """
import openai


def handle(kwargs):
    try:
        return openai.ChatCompletion.create(**kwargs)
    except openai.error.RateLimitError:
        return None
"""
    result = migrate_source(source, Config())
    assert "except openai.error.RateLimitError:" in result.code
    assert any(f.code == "MI340" and f.kind == "todo" for f in result.findings)


def test_v1_file_with_an_unmigrated_client_is_left_alone():
    source = """
import openai
from openai import OpenAI

client = OpenAI()


def draw(prompt):
    try:
        return client.images.generate(prompt=prompt)
    except openai.RateLimitError:
        return None
"""
    # the images call keeps the OpenAI client, so its exception stays; the only note is
    # the leftovers pass's (MI910), on the call
    result = migrate_source(source, Config(ignore=frozenset({"MI910"})))
    assert result.code == source
    assert [f.code for f in migrate_source(source, Config()).todos] == ["MI910"]


def test_raise_of_a_status_class_is_left_with_a_todo():
    source = """
import openai


def check(n):
    if n > 10:
        raise openai.error.RateLimitError("slow down")
    if n < 0:
        raise openai.error.AuthenticationError("no key")
"""
    result = migrate_source(source, Config())
    assert 'raise openai.error.RateLimitError("slow down")' in result.code
    assert 'raise ClientAuthenticationError("no key")' in result.code
    assert "import openai" in result.code  # still referenced
    assert any(
        "raises openai.error.RateLimitError" in f.message for f in result.findings
    )


def test_unmapped_class_keeps_its_import():
    source = """
import openai


def verify(sig):
    try:
        return check(sig)
    except openai.error.SignatureVerificationError:
        return None
    except openai.error.Timeout:
        return None
"""
    result = migrate_source(source, Config())
    assert "except openai.error.SignatureVerificationError:" in result.code
    assert (
        "except (ServiceRequestTimeoutError, ServiceResponseTimeoutError):"
        in result.code
    )
    assert "import openai" in result.code
    assert any(
        "no azure.core.exceptions counterpart" in f.message for f in result.findings
    )


def test_suppressed_statement_is_untouched():
    source = """
import openai


def handle(call):
    try:  # migrate-inference: ignore
        return call()
    except openai.error.RateLimitError:
        return None
"""
    result = migrate_source(source, Config())
    assert result.code == source


def test_rule_can_be_switched_off():
    result = migrate_source(V0_CHAIN, Config(ignore=frozenset({"MI340"})))
    assert result.code == V0_CHAIN


def test_fresh_name_when_the_clause_had_none():
    source = """
import openai

e = "keep me"


def handle(call):
    try:
        return call()
    except openai.error.RateLimitError:
        return e
"""
    code = _migrate(source)
    assert "except HttpResponseError as exc:" in code
    assert "if exc.status_code != 429:" in code


def test_http_status_on_a_broad_clause_reads_safely(monkeypatch):
    source = """
import openai


def handle(call):
    try:
        return call()
    except openai.error.OpenAIError as e:
        return e.http_status
"""
    code = _migrate(source)
    assert 'getattr(e, "status_code", None)' in code
    fn = _load(code, monkeypatch)["handle"]
    assert _outcome(fn, _azure_error(429)) == ("returned", 429)
    assert _outcome(fn, _azure_error("connect")) == ("returned", None)


def test_an_attribute_with_no_azure_equal_keeps_the_clause_with_a_todo():
    """e.code maps (same value); e.body has none: the clause stays OpenAI's, never half-rewritten."""
    source = """
import openai


def handle(call):
    try:
        return call()
    except openai.BadRequestError as e:
        return e.code, e.body
"""
    result = migrate_source(source, Config())
    assert "except openai.BadRequestError as e:" in result.code
    assert "return e.code, e.body" in result.code
    messages = [
        f.message for f in result.findings if f.code == "MI340" and f.kind == "todo"
    ]
    assert any("`e.body`" in m and 'e.response.json()["error"]' in m for m in messages)


def test_mapped_attributes_read_the_same_values_from_a_real_azure_error():
    """The replacements, evaluated on azure-core's HttpResponseError for a real error body."""
    from azure.core.exceptions import HttpResponseError
    from azure.core.pipeline.transport import HttpResponse

    from migrate_inference.rules.errors import attribute_mapping

    class Response(HttpResponse):
        def __init__(self):
            super().__init__(None, None)
            self.status_code = 429
            self.reason = "Too Many Requests"
            self.headers = {"x-request-id": "req-1", "request-id": "req-0"}
            self._body = b'{"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}'

        def body(self):
            return self._body

        def text(self, encoding=None):
            return self._body.decode()

    e = HttpResponseError(response=Response())
    values = {}
    for generation in ("v0", "v1"):
        for attr in ("http_status", "user_message", "request_id", "code", "headers"):
            template = attribute_mapping(attr, generation, http_only=True)
            if template:
                values[generation, attr] = eval(template.format(v="e"), {"e": e})
    assert values["v1", "code"] == "rate_limit_exceeded"  # openai: body["code"]
    assert values["v1", "request_id"] == "req-1"  # openai: x-request-id
    assert values["v0", "request_id"] == "req-0"  # openai 0.28: request-id
    assert values["v0", "user_message"] == "Rate limit reached"  # error["message"]
    assert values["v0", "http_status"] == values["v1", "http_status"] == 429
    assert values["v0", "headers"]["x-request-id"] == "req-1"
    # no equal: these keep the file on OpenAI
    assert attribute_mapping("message", "v1", True) is None
    assert attribute_mapping("body", "v1", True) is None
    assert attribute_mapping("code", "v0", True) is None
    # a clause that also catches connection errors has no response to read
    assert attribute_mapping("request_id", "v1", http_only=False) is None


# -- the reviewed fixtures run ------------------------------------------------------------------
FIXTURES = sorted(
    (
        __import__("pathlib").Path(__file__).resolve().parent.parent
        / "fixtures"
        / "errors"
    ).glob("*.after.py")
)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_migrated_fixture_imports(path, monkeypatch):
    source = path.read_text(encoding="utf-8")
    for module in ("tenacity", "backoff"):
        if f"import {module}" in source or f"from {module} " in source:
            pytest.importorskip(module)
    if "import openai" in source:
        monkeypatch.setitem(sys.modules, "openai", _fake_openai())
        monkeypatch.setitem(sys.modules, "openai.error", sys.modules["openai"].error)
    pytest.importorskip("azure.ai.inference")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("AZURE_OPENAI_CHAT_KEY", "test-key")
    monkeypatch.setenv(
        "AZURE_OPENAI_CHAT_ENDPOINT", "https://example.invalid/openai/deployments/gpt-4"
    )
    _load(source, monkeypatch)


def test_migrated_chain_runs_against_a_failing_client(monkeypatch):
    pytest.importorskip("azure.ai.inference")
    path = FIXTURES[0].with_name("except_chain_v0.after.py")
    namespace = _load(path.read_text(encoding="utf-8"), monkeypatch)
    calls = []

    class Client:
        def __init__(self, scenario):
            self.scenario = scenario

        def complete(self, **kwargs):
            calls.append(self.scenario)
            raise _azure_error(self.scenario)

    namespace["time"] = types.SimpleNamespace(sleep=lambda s: None)
    for scenario, expected in [(429, None), (400, None), (404, None)]:
        namespace["_chat_client"] = lambda scenario=scenario: Client(scenario)
        assert namespace["completion_with_retry"]([], retries=3) is expected
    assert calls == [429, 429, 429, 400, 404]
    for scenario, escaped in [
        (401, exceptions.ClientAuthenticationError),
        (500, exceptions.HttpResponseError),
    ]:
        namespace["_chat_client"] = lambda scenario=scenario: Client(scenario)
        with pytest.raises(escaped):
            namespace["completion_with_retry"]([], retries=3)


def test_v1_client_file(monkeypatch):
    source = """
import os

import backoff
import openai
from openai import OpenAI

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


@backoff.on_exception(backoff.expo, openai.RateLimitError)
def ask(question):
    try:
        response = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": question}],
        )
    except openai.APITimeoutError:
        return None
    except openai.APIStatusError as e:
        print(e.status_code, e.request_id)
        raise
    return response.choices[0].message.content
"""
    result = migrate_source(source, Config())
    assert result.error is None
    code = result.code
    assert "openai" not in code.replace("# TODO(migrate-inference)", "")
    assert "giveup=lambda e: e.status_code != 429" in code
    assert "except (ServiceRequestTimeoutError, ServiceResponseTimeoutError):" in code
    assert "except HttpResponseError as e:" in code
    assert any(
        'e.response.headers.get("x-request-id")' in f.message for f in result.findings
    )


def test_except_star_with_a_status_class_is_left_with_a_todo():
    source = """
import openai


async def handle(call):
    try:
        return await call()
    except* openai.error.RateLimitError:
        pass
"""
    result = migrate_source(source, Config())
    assert "except* openai.error.RateLimitError:" in result.code
    assert any("exception group" in f.message for f in result.findings)


def test_ignore_comment_on_an_except_line_leaves_the_try():
    source = """
import openai


def handle(call):
    try:
        return call()
    except openai.error.RateLimitError:  # migrate-inference: ignore
        pass
"""
    assert migrate_source(source, Config()).code == source


HAND_ROLLED = """
import openai


def retry_on(exception_type, attempts=3):
    def decorator(func):
        def wrapper(call):
            failures = 0
            for _ in range(attempts):
                try:
                    return func(call)
                except exception_type:
                    failures += 1
            return failures

        return wrapper

    return decorator


@retry_on(openai.error.ServiceUnavailableError)
def handle(call):
    return call()


@retry_on(ValueError, attempts=2)
def parse(text):
    return int(text)
"""


def test_hand_rolled_retry_decorator_is_specialized(monkeypatch):
    migrated = _same_behaviour(HAND_ROLLED, monkeypatch, _v0_error)
    assert "@retry_on(HttpResponseError)" in migrated
    assert "if isinstance(e, HttpResponseError) and e.status_code != 503:" in migrated
    assert _load(migrated, monkeypatch)["parse"]("x") == 2  # ValueError still retried


def test_hand_rolled_retry_given_a_variable_is_left_with_a_todo():
    source = HAND_ROLLED.replace(
        "@retry_on(ValueError, attempts=2)", "@retry_on(SOME_ERRORS, attempts=2)"
    )
    result = migrate_source("SOME_ERRORS = (ValueError,)\n" + source, Config())
    assert "@retry_on(openai.error.ServiceUnavailableError)" in result.code
    assert "except exception_type:" in result.code
    assert any("has no Azure class" in f.message for f in result.findings)


def test_guards_follow_the_calls_they_guard(monkeypatch):
    """One client migrated, one kept: the retry and the except around the migrated call
    act on azure's 429, the except around the kept call still catches OpenAI's."""
    pytest.importorskip("tenacity")
    pytest.importorskip("azure.ai.inference")
    fake = _fake_openai()
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv(
        "AZURE_OPENAI_CHAT_ENDPOINT",
        "https://example.invalid/openai/deployments/gpt-4o",
    )
    path = FIXTURES[0].with_name("retry_guards_per_function.after.py")
    namespace = _load(path.read_text(encoding="utf-8"), monkeypatch, fake)
    replies = [_azure_error(429), _azure_error(429)]

    class Chat:
        def complete(self, **kwargs):
            if replies:
                raise replies.pop(0)
            return "answered"

    namespace["chat"] = Chat()
    assert namespace["answer"]("q") == "answered"  # the retry saw both 429s
    assert not replies

    class Legacy:
        class chat:
            class completions:
                @staticmethod
                def create(**kwargs):
                    raise fake.RateLimitError("slow down", status_code=429)

    namespace["legacy"] = Legacy()
    assert namespace["answer_with"]("q", "gpt-4o") is None
