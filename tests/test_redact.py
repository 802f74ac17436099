"""Credential-looking values never reach a TODO comment or a report line."""

from __future__ import annotations

import pytest

from migrate_inference import cli
from migrate_inference.findings import Finding
from migrate_inference.redact import MASK, credential_name, redact
from migrate_inference.runner import FileOutcome

REDACTED = [
    ("https://host/v1?key=SECRET", "https://host/v1?key=***"),
    ("https://h/x?a=1&api-key=abc123&b=2", "https://h/x?a=1&api-key=***&b=2"),
    ("https://h/x?api_key=abc123#frag", "https://h/x?api_key=***#frag"),
    ("https://acct.blob.core.windows.net/c?sv=2022&sig=AbC%2Fdef", "https://acct.blob.core.windows.net/c?sv=2022&sig=***"),
    ("https://h/?access_token=t0k3n&x=1", "https://h/?access_token=***&x=1"),
    ("https://h/?password=hunter2", "https://h/?password=***"),
    ("https://h/?client_secret=s3cr3t", "https://h/?client_secret=***"),
    ("https://user:hunter2@host/v1", "https://user:***@host/v1"),
    ('api_key="0123456789abcdef"', 'api_key="***"'),
    ("api_key='0123456789abcdef'", "api_key='***'"),
    ('openai.api_key = "abc-def"', 'openai.api_key = "***"'),
    ('azure_ad_token="eyJhbGciOi"', 'azure_ad_token="***"'),
    ('{"api_key": "abcdef"}', '{"api_key": "***"}'),
    ('client_secret = "abc"', 'client_secret = "***"'),
    ('AzureKeyCredential("abcdef0123")', 'AzureKeyCredential("***")'),
    ("sk-abcdefghijklmnop1234", "sk-***"),
    ("key sk-proj-abcdefghijklmnopqrstuv here", "key sk-proj-*** here"),
    ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer ***"),
    ('headers={"Authorization": "Bearer abcdefgh"}', 'headers={"Authorization": "***"}'),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_***"),
    ("AKIAABCDEFGHIJKLMNOP", "AKIA***"),
]

LEFT_ALONE = [
    "keyboard=qwerty",
    'keyboard="qwerty"',
    "max_tokens=100",
    'max_tokens="100"',
    "https://host/v1?keyboard=qwerty&monkey=1&tokens=5",
    "https://host/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01",
    'azure_ad_token_provider=token_provider',
    'api_key=os.environ["OPENAI_API_KEY"]',
    'AzureKeyCredential(os.environ["AZURE_OPENAI_CHAT_KEY"])',
    "the key is required; tokens are counted",
    "task-force sk-8 risk-free",
    'model="gpt-4o", temperature=0.2',
    'sort_by="name"',
    'token_count="12"',
    "Config(credential='key', key_env='MY_KEY')",
    "base_url was https://host/v1, not an Azure endpoint",
]


@pytest.mark.parametrize("text, expected", REDACTED, ids=[t for t, _ in REDACTED])
def test_redacts(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # idempotent


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_leaves_alone(text):
    assert redact(text) == text


@pytest.mark.parametrize(
    "name, expected",
    [
        ("api_key", True),
        ("api-key", True),
        ("apiKey", True),
        ("OPENAI_API_KEY", True),
        ("azure_ad_token", True),
        ("key", True),
        ("sig", True),
        ("keyboard", False),
        ("max_tokens", False),
        ("azure_ad_token_provider", False),
        ("monkey", False),
        ("credential", False),
    ],
)
def test_credential_names(name, expected):
    assert credential_name(name) is expected


def test_findings_and_errors_are_redacted_where_they_are_made():
    assert Finding("MI200", "todo", 'was "https://h/?key=abc"').message == 'was "https://h/?key=***"'
    outcome = FileOutcome("a.py", "python", "failed", error='line 1: api_key="xyz"')
    assert outcome.error == f'line 1: api_key="{MASK}"'


URL_SECRET = "Zq8VurlSecretValue42"
KEY_SECRET = "sk-proj-Zq8VliteralSecretValue42"
TOKEN_SECRET = "eyJZq8VtokenSecretValue42abc"

SOURCE = f'''\
import openai
from openai import AzureOpenAI, OpenAI

client = OpenAI(
    base_url="https://proxy.example.com/v1?key={URL_SECRET}&x=1",
    api_key="{KEY_SECRET}",
)
azure = AzureOpenAI(
    azure_endpoint="https://example.com/?sig={URL_SECRET}",
    azure_ad_token="{TOKEN_SECRET}",
    api_version="2024-06-01",
)
openai.api_base = "https://other.example.com/v1?api-key={URL_SECRET}"


def ask(question, **kwargs):
    one = client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": question}}], **kwargs
    )
    two = azure.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": question}}], n=2
    )
    return one, two
'''

BROKEN = f'x = OpenAI(base_url="https://h/v1?key={URL_SECRET}", api_key="{KEY_SECRET}"\n'


@pytest.mark.parametrize(
    "mode",
    [
        ("--check",),
        ("--check", "--format", "json"),
        ("--check", "--format", "sarif"),
        ("--check", "--format", "github"),
        ("--diff",),
        ("--diff", "--format", "github"),
        (),
    ],
    ids=["text", "json", "sarif", "github", "diff", "diff-github", "write"],
)
def test_no_secret_leaves_the_users_code(capsys, tmp_path, monkeypatch, mode):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(SOURCE)
    (tmp_path / "broken.py").write_text("import openai\n" + BROKEN)
    code = cli.main(["-j1", *mode, "."])
    out, err = capsys.readouterr()
    assert code == 2  # broken.py
    assert "MI200" in out + err or "MI1" in out + err  # something was reported
    for stream in (out, err):
        for line in stream.splitlines():
            if line[:1] in "+- " and "TODO(migrate-inference)" not in line:
                continue  # a diff line of the user's code (the rewrite keeps its literals)
            for secret in (URL_SECRET, KEY_SECRET, TOKEN_SECRET):
                assert secret not in line, line
    written = (tmp_path / "app.py").read_text()
    for line in written.splitlines():
        if "TODO(migrate-inference)" in line:
            for secret in (URL_SECRET, KEY_SECRET, TOKEN_SECRET):
                assert secret not in line, line
    if mode == ():
        assert "TODO(migrate-inference)" in written
