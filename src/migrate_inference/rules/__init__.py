"""The registry: which rules exist, in what order their transformers run, and which
checks run after the pass.

Each rule lives in ``rules/<name>.py`` (``module`` names another place), has a stable
code, a fixtures folder ``fixtures/<name>/`` and a section in ``docs/rules.md``
generated from its module (``python -m migrate_inference.docgen``);
``tests/test_docs.py`` checks that these agree.

``RULES`` lists the rules in the order the documentation presents them.  A rule whose
work is a LibCST transformer names it (``transformer``); the engine builds every such
class as ``RuleClass(state)`` (``rules.base.RuleState``, made by ``pipeline.rule_state``
from the analysis and planning steps of ``pipeline.PIPELINE``) and runs them all in one
pass, ordered by ``step`` (ties keep the order of ``RULES``).  A rule that checks the
pass's output names a function of its module (``after_pass``, an `AfterPass`); the
engine runs those after the pass, in the order of ``RULES`` (``leftover_calls``, whose
check also reports ``unresolved_clients`` and ``leftover_todos``).  Nothing else wires a
rule in: a new rule is a module, a row here (or a ``register(...)`` call), and its
fixtures (tests/test_add_a_rule.py does it).  Rules with neither are carried out by
others (``chat_params``: ``rules/params_code.py``; ``embeddings``: the call rules, with
``rules/embeddings_code.py`` and ``rules/params_code.py``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Protocol, Sequence, Tuple

if TYPE_CHECKING:
    from migrate_inference.config import Config
    from migrate_inference.findings import Finding


class AfterPass(Protocol):
    """A check run on the pass's output (``RuleInfo.after_pass``): given the original
    text, the output so far and the findings so far, the output with any notes it adds
    and its own findings.  Its findings are not filtered by ``--select``/``--ignore``:
    it asks ``config.rule_enabled`` itself."""

    def __call__(
        self,
        original: str,
        code: str,
        findings: Sequence[Finding],
        config: Config,
        filename: str,
    ) -> Tuple[str, List[Finding]]: ...


@dataclass(frozen=True)
class RuleInfo:
    name: str
    code: str
    summary: str
    # The class in the rule's module that the engine runs in its one pass (None: none).
    transformer: Optional[str] = None
    # The transformer's place in the pass: lower runs first.  A rule's hooks see the
    # nodes the rules before it returned, so the order matters where two rules leave
    # the same kind of node (four rules rewrite dict literals).
    step: int = 1000
    # A function in the rule's module that the engine runs on the pass's output (an
    # `AfterPass`: the leftover reports), after the pass and its import fixes.
    after_pass: Optional[str] = None
    # The rule's module, when it is not migrate_inference.rules.<name>.
    module: str = ""
    # The folder holding <name>/ with the rule's fixtures, when it is not the project's
    # fixtures/ (the docs take their example and case list from there).
    fixtures: str = ""

    @property
    def module_name(self) -> str:
        return self.module or f"migrate_inference.rules.{self.name}"

    def load(self):
        """The rule's module (its CODE, NAME, WHEN_TODO, docstring and transformer)."""
        return importlib.import_module(self.module_name)


# Codes are stable: never renumber, only add.
RULES: List[RuleInfo] = [
    RuleInfo(
        "v0_chat",
        "MI100",
        "openai.ChatCompletion.create/acreate to ChatCompletionsClient.complete",
        transformer="V0ChatRule",
        step=10,
    ),
    RuleInfo(
        "v1_clients",
        "MI200",
        "OpenAI()/AzureOpenAI()/AsyncOpenAI()/AsyncAzureOpenAI() to azure-ai-inference clients",
        transformer="V1ClientsRule",
        step=20,
    ),
    RuleInfo(
        "v1_chat",
        "MI210",
        "<client>.chat.completions.create to <chat client>.complete",
        transformer="V1ChatRule",
        step=30,
    ),
    RuleInfo("chat_params", "MI110", "request parameters moved by the mapping table"),
    RuleInfo(
        "splats",
        "MI350",
        "**params dicts built next to the call, mapped by the same table",
        transformer="SplatsRule",
        step=40,
    ),
    RuleInfo(
        "functions",
        "MI320",
        "legacy functions/function_call to tools/tool_choice, with the round trip",
        transformer="FunctionsRule",
        step=70,
    ),
    RuleInfo(
        "tools",
        "MI310",
        "literal tool definitions and tool_choice to ChatCompletionsToolDefinition/...",
        transformer="ToolsRule",
        step=50,
    ),
    RuleInfo(
        "messages",
        "MI120",
        "literal message dicts to SystemMessage/UserMessage/...",
        transformer="MessagesRule",
        step=60,
    ),
    RuleInfo(
        "responses",
        "MI130",
        "response access to the azure-ai-inference models",
        transformer="ResponsesRule",
        step=80,
    ),
    RuleInfo(
        "embeddings",
        "MI230",
        "openai.Embedding.create and <client>.embeddings.create to EmbeddingsClient.embed",
    ),
    RuleInfo(
        "errors",
        "MI340",
        "OpenAI exception classes to azure.core.exceptions, keeping status-specific catches narrow",
        transformer="ErrorsRule",
        step=100,
    ),
    RuleInfo(
        "out_of_scope",
        "MI900",
        "OpenAI APIs with no azure-ai-inference equivalent",
        transformer="OutOfScopeRule",
        step=90,
    ),
    RuleInfo(
        "leftover_calls",
        "MI910",
        "OpenAI API calls left in the code after migration: reported, with a TODO",
        after_pass="mark_leftovers",
    ),
    RuleInfo(
        "unresolved_clients",
        "MI911",
        "OpenAI-shaped calls on a receiver that cannot be resolved: possibly an OpenAI client",
    ),
    RuleInfo(
        "leftover_todos",
        "MI912",
        "TODO(migrate-inference) notes already in the code: reported again until removed",
    ),
]

ERROR_CODES: Dict[str, str] = {
    "MI001": "the file could not be parsed (syntax error, or nested deeper than the parser can take); file left unchanged",
    "MI002": "the file could not be read or decoded",
    "MI003": "the rewrite failed verification (output did not parse or left a new undefined name); file left unchanged",
    "MI004": "internal error while migrating; file left unchanged",
    "MI005": "a suppression comment names an unknown rule code (a warning: it suppresses nothing, the file is still migrated)",
    "MI006": "the file took longer than its time budget (--timeout-per-file); file left unchanged",
    "MI007": "the worker process crashed on the file (a native parser crash, out of memory); file left unchanged",
    "MI008": "an `ignore-file[...]` comment turns off a part of a migrated call (MI110, MI130, MI320, MI340, MI350) "
    "while the call codes stay on: the file is left as it is (a warning; add the call codes to keep it on OpenAI "
    "without one)",
}

# A warning, not an error: a suppression comment names no known code.
UNKNOWN_CODE = "MI005"
# A warning: a file-level ignore that would leave the file's calls half migrated.
HALF_IGNORED = "MI008"

# Codes for files that are not Python modules (docs/dependencies.md).
DEPENDENCY_CODES: Dict[str, str] = {
    "MI800": "dependency files and notebook pip lines: openai replaced by azure-ai-inference>=1.0.0b9",
    "MI801": "dependency entry left for a person (hash-pinned file, multi-line entry, Poetry sub-table)",
}


def non_rule_codes() -> Dict[str, str]:
    """Every code that is not a rewrite rule, with its one-line meaning."""
    return {**ERROR_CODES, **DEPENDENCY_CODES}


def register(rule: RuleInfo) -> RuleInfo:
    """Add a rule defined outside this list (a plugin, a test's throwaway rule)."""
    for known in RULES:
        if rule.code == known.code or rule.name == known.name:
            raise ValueError(f"rule {rule.name} ({rule.code}) is already registered")
    RULES.append(rule)
    return rule


def transformers() -> List[RuleInfo]:
    """The rules that run in the engine's pass, in the order they run."""
    ordered = sorted(enumerate(RULES), key=lambda item: (item[1].step, item[0]))
    return [rule for _, rule in ordered if rule.transformer]


def after_passes() -> List[RuleInfo]:
    """The rules with a check on the pass's output, in the order of ``RULES``."""
    return [rule for rule in RULES if rule.after_pass]


def after_pass_check(rule: RuleInfo) -> "AfterPass":
    """The after-pass function `rule` names, from its module."""
    assert rule.after_pass is not None
    return getattr(rule.load(), rule.after_pass)


def rule_code(name: str) -> str:
    """The code of the rule called `name`: how a module that carries out part of another
    rule's work (the call rules map parameters for ``chat_params``) reports under its code
    without importing that rule's module."""
    for rule in RULES:
        if rule.name == name:
            return rule.code
    raise KeyError(name)


def rule_by_code(code: str) -> RuleInfo:
    for rule in RULES:
        if rule.code == code:
            return rule
    raise KeyError(code)
