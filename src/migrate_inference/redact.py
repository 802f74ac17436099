"""Credential-looking values never leave the user's code.

A TODO comment or a finding may quote an expression of the user's code
(``OpenAI(base_url="https://host/v1?key=...")``).  Such text ends up in new places:
a comment the tool writes, and reports (text, JSON, SARIF, GitHub annotations) that
CI logs keep and code-scanning services upload.  `redact` replaces every
credential-looking value in a piece of text with ``***``:

* the values of URL query parameters named like a credential
  (``?key=``, ``&api-key=``, ``&sig=``, ``?access_token=``, ``?password=`` ...);
* the password of a URL's ``user:password@`` part;
* a string literal given to a credential-named keyword, key or variable
  (``api_key="..."``, ``"azure_ad_token": "..."``, ``client_secret = "..."``) or to a
  credential class (``AzureKeyCredential("...")``);
* a token after ``Bearer`` / ``Basic``;
* literals shaped like well-known keys: ``sk-...`` (OpenAI), ``ghp_...`` (GitHub),
  ``AKIA...`` (AWS), ``xox.-...`` (Slack), JSON web tokens.

A name counts as credential-like when its last word (split at ``_``, ``-``, ``.``) is
one of `CREDENTIAL_WORDS` (``key``, ``token``, ``secret``, ``password``...) or when it
contains ``apikey``/``api_key``: ``azure_ad_token`` and ``api_key`` do, ``keyboard``,
``max_tokens``, ``azure_ad_token_provider`` and ``credential`` (whose value is an object,
or an option such as ``credential="entra"``) do not.

It is applied where messages are made (`findings.Finding`, a file's error in
`runner.FileOutcome`, the TODO comments of `rules.base`), so no rule has to remember it.
"""

from __future__ import annotations

import re

MASK = "***"

CREDENTIAL_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "sig",
        "signature",
        "auth",
        "authorization",
        "bearer",
        "sas",
    }
)


def credential_name(name: str) -> bool:
    """Whether a parameter, keyword or key called `name` carries a credential."""
    low = name.lower().strip("'\"")
    if "apikey" in low.replace("_", "").replace("-", ""):
        return True
    words = [w for w in re.split(r"[-_.\s]+", low) if w]
    return bool(words) and words[-1] in CREDENTIAL_WORDS


# `?name=value` / `&name=value` in a URL (the value ends at &, #, a quote or a space).
_QUERY = re.compile(r"(?P<lead>[?&;](?P<name>[A-Za-z0-9_.\-]+)=)(?P<value>[^&#;\s'\"<>]+)")
# `scheme://user:password@host`
_USERINFO = re.compile(
    r"(?P<lead>\b[a-z][a-z0-9+.\-]*://[^\s:/@'\"]+:)(?P<value>[^\s@/'\"]+)(?=@)", re.I
)
# `name="literal"`, `name: "literal"`, `"name": "literal"`, `name = 'literal'`
_NAMED_LITERAL = re.compile(
    r"(?P<lead>(?P<name>[\"']?[A-Za-z_][A-Za-z0-9_\-]*[\"']?)\s*[=:]\s*"
    r"(?P<prefix>[rRbBuUfF]{0,2})(?P<quote>[\"']))(?P<value>(?:\\.|(?!(?P=quote)).)*)"
    r"(?P=quote)"
)
# `AzureKeyCredential("literal")`, `AccessToken("literal", ...)`
_CREDENTIAL_CALL = re.compile(
    r"(?P<lead>\b\w*(?:Credential|Token|Key|Secret)\(\s*(?P<quote>[\"']))"
    r"(?P<value>(?:\\.|(?!(?P=quote)).)+)(?P=quote)"
)
_BEARER = re.compile(r"(?P<lead>\b(?:Bearer|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=\-]{6,})", re.I)
_SHAPED = re.compile(
    r"\b(?:"
    r"(?P<openai>sk-(?:[A-Za-z0-9]+-)*)[A-Za-z0-9_\-]{8,}"
    r"|(?P<github>gh[pousr]_)[A-Za-z0-9]{16,}"
    r"|(?P<aws>AKIA)[0-9A-Z]{16}"
    r"|(?P<slack>xox[abprs]-)[A-Za-z0-9\-]{8,}"
    r"|(?P<jwt>eyJ)[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"
    r")"
)


def _mask_named(match: "re.Match[str]") -> str:
    if not credential_name(match.group("name")) or not match.group("value"):
        return match.group(0)
    if match.group("value") == MASK:
        return match.group(0)
    return match.group("lead") + MASK + match.group("quote")


def _mask_query(match: "re.Match[str]") -> str:
    if not credential_name(match.group("name")):
        return match.group(0)
    return match.group("lead") + MASK


def _mask_shaped(match: "re.Match[str]") -> str:
    for group in ("openai", "github", "aws", "slack", "jwt"):
        lead = match.group(group)
        if lead is not None:
            return lead + MASK
    return MASK  # pragma: no cover - one group always matches


def redact(text: str) -> str:
    """`text` with every credential-looking value replaced by ``***``."""
    if not text:
        return text
    text = _NAMED_LITERAL.sub(_mask_named, text)
    text = _CREDENTIAL_CALL.sub(lambda m: m.group("lead") + MASK + m.group("quote"), text)
    text = _QUERY.sub(_mask_query, text)
    text = _USERINFO.sub(lambda m: m.group("lead") + MASK, text)
    text = _BEARER.sub(lambda m: m.group("lead") + MASK, text)
    text = _SHAPED.sub(_mask_shaped, text)
    return text
