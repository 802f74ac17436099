"""What replaces an ``openai`` requirement, whether code still uses ``openai``, and
``pip install`` commands rewritten: shared by dependency files (deps.py,
dep_files.py) and notebooks' pip lines (notebooks.py)."""

from __future__ import annotations

import io
import re
import tokenize
from typing import List, Optional, Set, Tuple

AZURE_INFERENCE = "azure-ai-inference"
AZURE_INFERENCE_MIN = ">=1.0.0b9"
AZURE_INFERENCE_REQUIREMENT = AZURE_INFERENCE + AZURE_INFERENCE_MIN

DEPENDENCY_REWRITE = "MI800"  # an openai requirement was replaced
DEPENDENCY_TODO = "MI801"  # an openai requirement was left for a person
READ_ERROR = "MI002"
INTERNAL_ERROR = "MI004"

REQUIREMENTS = "requirements"
PYPROJECT = "pyproject"
SETUP_CFG = "setup_cfg"


# ------------------------------------------------------------ what to add


def replacement_requirements(needs_async: bool, needs_identity: bool) -> List[str]:
    """The requirements that take ``openai``'s place in a dependency file."""
    wanted = [AZURE_INFERENCE_REQUIREMENT, "azure-core"]
    if needs_async:
        wanted.append("aiohttp")
    if needs_identity:
        wanted.append("azure-identity")
    return wanted


def notebook_requirements(needs_async: bool, needs_identity: bool) -> List[str]:
    """What a notebook's ``pip install`` installs instead of ``openai`` (azure-core comes with azure-ai-inference)."""
    return [
        r
        for r in replacement_requirements(needs_async, needs_identity)
        if r != "azure-core"
    ]


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(text: str) -> Optional[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return canonical_name(Requirement(text).name)
    except InvalidRequirement:
        return None


def marker_suffix(text: str) -> str:
    """The original ``; marker`` text (with the spacing before it), or ''."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return ""
    if requirement.marker is None:
        return ""
    semicolon = text.find(";", len(requirement.url or ""))
    if semicolon < 0:
        return ""
    before = text[:semicolon]
    return before[len(before.rstrip()) :] + text[semicolon:].rstrip()


# ----------------------------------------------- does code still use openai


def code_uses_openai(source: str) -> bool:
    """True when Python code names ``openai`` (an import, an attribute base, a parameter).

    Strings and comments do not count (``os.environ["OPENAI_API_KEY"]``, a
    TODO comment); ``langchain_openai`` is another name.  Code that does not
    tokenize is judged by a plain word search, which errs on the side of
    "still used".
    """
    if "openai" not in source:
        return False
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and token.string == "openai":
                return True
        return False
    except (tokenize.TokenError, SyntaxError):
        code = "\n".join(line.split("#", 1)[0] for line in source.split("\n"))
        return re.search(r"(?<![\w\-])openai(?![\w\-])", code) is not None


# ------------------------------------------------------------ pip commands

_SHELL_WORD = re.compile(r"""(?:[^\s'"]+|'[^']*'|"[^"]*")+""")
_VALUE_OPTIONS = frozenset(
    """-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links
    -t --target --prefix --root --src --upgrade-strategy --platform --python-version --implementation
    --abi --log --cache-dir --progress-bar --trusted-host --proxy --retries --timeout --exists-action
    -C --config-settings --global-option --report --python --cert --client-cert --only-binary
    --no-binary""".split()
)
_SHELL_STOP = re.compile(r"^(?:&&|\|\||;|\||\d?>.*|>.*|<.*|&)$")
_SAFE_WORD = re.compile(r"^[\w.\-\[\],=]+$")


def rewrite_pip_command(
    command: str, requirements: List[str], source: str = "openai"
) -> Optional[str]:
    """``pip install -q "openai>=0.28.1,<1.0.0" tiktoken`` with openai (or ``source``) swapped for ``requirements``; None if no openai.

    Understands ``pip``/``pip3``, ``python -m pip`` and ``{sys.executable} -m
    pip``, skips options and their values, stops at shell operators, and
    quotes what the shell would misread (``>=``).  Names already on the line
    are not added again.
    """
    words = [(m.group(), m.start(), m.end()) for m in _SHELL_WORD.finditer(command)]
    install = _install_position(words)
    if install is None:
        return None
    openai_words: List[int] = []
    present: Set[str] = set()
    k = install + 1
    while k < len(words):
        word = words[k][0]
        if _SHELL_STOP.match(word):
            break
        if word.startswith("-"):
            k += 2 if word in _VALUE_OPTIONS else 1
            continue
        name = requirement_name(_unquote(word))
        if name == source:
            openai_words.append(k)
        elif name is not None:
            present.add(name)
        k += 1
    if not openai_words:
        return None
    quote = "'" if words[openai_words[0]][0].startswith("'") else '"'
    fresh = [r for r in requirements if (requirement_name(r) or r) not in present]
    rendered = " ".join(
        r if _SAFE_WORD.match(r) else f"{quote}{r}{quote}" for r in fresh
    )
    out = command
    for k in reversed(openai_words):
        _, start, end = words[k]
        if k == openai_words[0] and rendered:
            out = out[:start] + rendered + out[end:]
        else:
            cut = start
            while cut > 0 and out[cut - 1] in " \t":
                cut -= 1
            out = out[:cut] + out[end:]
    return out


def _install_position(words: List[Tuple[str, int, int]]) -> Optional[int]:
    plain = [w[0] for w in words]
    for k, word in enumerate(plain):
        is_pip = re.fullmatch(r"pip(?:3(?:\.\d+)?)?", word) is not None or (
            word == "pip" and k >= 2 and plain[k - 1] == "-m"
        )
        if not is_pip:
            continue
        for j in range(k + 1, len(plain)):
            if plain[j] == "install":
                return j
            if not plain[j].startswith("-"):
                return None
    return None


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word
