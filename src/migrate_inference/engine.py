"""The engine: one pure function from source text to new text and findings.

    migrate_source(source, config, filename) -> Result

It parses once with LibCST, runs the read-only analysis and planning steps
(``pipeline.PIPELINE``), applies the registry's rules in their order in one pass
(``rules.transformers()``), manages imports with LibCST's import visitors, verifies the
output (it parses, compiles, and leaves no name undefined that the original defined),
and runs the registry's checks on the output (``rules.after_passes()``).  It names no
rule and no planner.  It never raises on bad input: a file it cannot handle comes
back unchanged with an ``error`` finding that says why.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Callable, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper

from migrate_inference import comments, pipeline
from migrate_inference.analysis.names import dotted
from migrate_inference.config import Config
from migrate_inference.findings import ERROR, WARNING, Finding, Result
from migrate_inference.guards import refusal
from migrate_inference.imports import add_imports
from migrate_inference.rules import HALF_IGNORED, after_pass_check, after_passes, transformers
from migrate_inference.rules.base import CompositeTransformer, RuleContext
from migrate_inference.rules.suppression import IGNORE_RE, suppression_directives
from migrate_inference.splice import splice
from migrate_inference.todos import merge_stacked_todos

# Besides the package's name: chains only the OpenAI SDK has, on a client handed in from
# elsewhere, and the notes an earlier run left (rules/leftover_calls.py reports both).
QUICK_MARKERS = (
    "openai",
    "OpenAI",
    "chat.completions",
    "completions.create",
    "embeddings.create",
    "TODO(migrate-inference)",
)
# `--to openai` starts from azure-ai-inference code: every construct it rewrites is
# imported from a module whose dotted name holds "inference" (azure.ai.inference...).
REVERSE_MARKERS = ("inference",)


def migrate_source(
    source: str, config: Optional[Config] = None, filename: str = "<string>"
) -> Result:
    config = config or Config()
    markers = REVERSE_MARKERS if config.to_openai else QUICK_MARKERS
    if not any(marker in source for marker in markers) and not (
        config.to_openai
        and config.project is not None
        and config.project.uses_inference_client(filename)
    ):
        return Result(original=source, code=source)
    refused = refusal(source, filename)  # known crashers never reach LibCST
    if refused:
        return error_result(source, "MI001", refused)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        line, column, reason = _syntax_error_position(source, exc)
        return error_result(
            source, "MI001", f"syntax error at line {line}: {reason}", line, column
        )
    except Exception as exc:  # LibCST can raise other errors on odd input
        return error_result(source, "MI001", f"could not parse: {exc}")
    directives = suppression_directives(source)
    if directives.skip_file:
        return Result(original=source, code=source, findings=directives.warnings)
    if directives.file_ignores:
        config = replace(config, ignore=config.ignore | directives.file_ignores)
        problem = config.coupling_problem()
        if problem:
            warning = Finding(
                HALF_IGNORED, WARNING, f"file left as it is: ignore-file[...]: {problem}"
            )
            return Result(
                original=source, code=source, findings=[*directives.warnings, warning]
            )
    try:
        code, findings = _migrate_module(module, config, filename)
    except RecursionError:
        return error_result(source, "MI004", "the file is nested too deeply to migrate")
    except Exception as exc:  # never lose a file to a bug: leave it as it was
        return error_result(
            source,
            "MI004",
            f"internal error ({type(exc).__name__}: {exc}); file left unchanged",
        )
    if code != source:  # the rules' edits in the original bytes, nothing else
        code = splice(source, module.code, code)
    findings = [f for f in findings if config.rule_enabled(f.code)]
    findings += directives.warnings
    if code != source:
        problem = verify(source, code, filename)
        if problem:
            return Result(
                original=source,
                code=source,
                findings=[*findings, Finding("MI003", ERROR, problem)],
                error=problem,
            )
        code = _format_like(source, code)
    return _reported_leftovers(source, code, findings, config, filename)


def _reported_leftovers(
    source: str, code: str, findings: List[Finding], config: Config, filename: str
) -> Result:
    """Nothing OpenAI-shaped is silent: the registry's after-pass checks report what the
    rules left (the leftover_* rules, MI910-MI912), each on the output of the one before."""
    marked, more = code, []
    try:
        for rule in after_passes():
            marked, found = after_pass_check(rule)(
                source, marked, [*findings, *more], config, filename
            )
            more += found
    except RecursionError:
        return Result(original=source, code=code, findings=findings)
    if marked != source:  # one TODO comment per statement (todos.py)
        marked = merge_stacked_todos(marked)
    return Result(original=source, code=marked, findings=[*findings, *more])


# An import of the openai package anywhere (also after `;`). Everything the rules act on
# resolves to such an import, so a module without one needs no name resolution at all
# (files that only mention OpenAI in a comment or a string are most candidates).
OPENAI_IMPORT = re.compile(
    r"(?:^|;)[ \t]*(?:from[ \t]+openai\b|import[ \t]+[^\n#;]*\bopenai\b)", re.MULTILINE
)


def _migrate_module(module: cst.Module, config: Config, filename: str = "<string>"):
    if config.to_openai:
        from migrate_inference.to_openai.pack import migrate_module

        return migrate_module(module, config, filename)
    # `module.code` generates the code anew at every use (a third of a parse): once here
    text = module.code
    if not OPENAI_IMPORT.search(text):
        return text, []
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    work = pipeline.analyse(wrapper, config, filename)
    if work is None:  # nothing the rules act on
        return text, []
    state = pipeline.rule_state(work, IGNORE_RE.search(text) is not None)
    built = [getattr(info.load(), info.transformer)(state) for info in transformers()]
    rules = [rule for rule in built if config.rule_enabled(rule.code)]
    new_module = wrapper.module.visit(CompositeTransformer(state.ctx, rules))
    # `changed`: a rule that edited code outside the migrated calls (errors' except clauses)
    if state.roots or any(getattr(rule, "changed", False) for rule in built):
        new_module = fix_imports(new_module, state.ctx, module, filename=filename)
    return new_module.code, state.ctx.findings


def fix_imports(
    module: cst.Module,
    ctx: RuleContext,
    original: cst.Module,
    always_removable: Optional[Callable[[str], bool]] = None,
    filename: Optional[str] = None,
) -> cst.Module:
    module = add_imports(module, ctx.imports, filename, original.code)
    unused = _unused_imports(module.code)
    drop = always_removable or _is_openai
    removable = {name for name in unused if drop(name)} | (
        unused - _unused_imports(original.code)
    )
    if not removable:
        return module
    return module.visit(_RemoveImports(removable))


def _name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


def _is_openai(shown: str) -> bool:
    """`openai`, `openai.error`, `openai.OpenAI`, `openai as oa`, `openai.OpenAI as X` (pyflakes' spelling)."""
    return shown == "openai" or shown.startswith(("openai.", "openai "))


class _RemoveImports(cst.CSTTransformer):
    """Drops the import aliases pyflakes reports unused that the rewrite made unused: every
    openai import nothing references any more, and imports only the removed code used
    (`import httpx` once `http_client=httpx.Client(...)` is gone); never one that was unused
    before.  Works on nested imports too, and keeps blocks valid."""

    def __init__(self, removable: Set[str]) -> None:
        super().__init__()
        self.removable = removable
        # per open block: comments of removed import lines, for the next statement
        self.waiting: List[List[str]] = []
        # per open block: the blank lines above a removed import that began a group of
        # imports, for the next statement (so the groups around it stay apart)
        self.blanks: List[List[cst.EmptyLine]] = []

    def visit_Module(self, node) -> bool:
        self.waiting.append([])
        self.blanks.append([])
        return True

    def visit_IndentedBlock(self, node) -> bool:
        self.waiting.append([])
        self.blanks.append([])
        return True

    def leave_Module(self, original, updated):
        self.blanks.pop()
        return comments.with_comments_in_footer(updated, self.waiting.pop())

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if isinstance(original, cst.IndentedBlock):
            self.blanks.pop()
            return comments.with_comments_in_footer(result, self.waiting.pop())
        if (
            comments.is_statement(original)
            and self.blanks
            and isinstance(result, cst.CSTNode)
        ):
            blanks, self.blanks[-1] = self.blanks[-1], []
            lines = list(getattr(result, "leading_lines", ()))
            if blanks and not any(line.comment is None for line in lines):
                result = result.with_changes(leading_lines=[*blanks, *lines])
        if (
            comments.is_statement(original)
            and self.waiting
            and self.waiting[-1]
            and isinstance(result, cst.CSTNode)
        ):
            result = comments.with_comments_above(result, self.waiting[-1])
            self.waiting[-1] = []
        return result

    def _shown(self, alias: cst.ImportAlias, module: Optional[str]) -> str:
        name = _name(alias.name)
        full = f"{module}.{name}" if module else name
        return f"{full} as {alias.asname.name.value}" if alias.asname else full  # type: ignore[union-attr]

    def _keep(self, node, module: Optional[str]):
        names = [a for a in node.names if self._shown(a, module) not in self.removable]
        if len(names) == len(node.names):
            return node
        if not names:
            return None
        last = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return node.with_changes(names=[*names[:-1], last])

    def leave_SimpleStatementLine(self, original, updated):
        body = []
        for small in updated.body:
            if isinstance(small, cst.Import):
                small = self._keep(small, None)
            elif (
                isinstance(small, cst.ImportFrom)
                and small.module is not None
                and not small.relative
                and not isinstance(small.names, cst.ImportStar)
            ):
                small = self._keep(small, _name(small.module))
            if small is not None:
                body.append(small)
        if not body:
            if self.blanks and not self.blanks[-1]:
                lines = original.leading_lines
                cut = 0
                while cut < len(lines) and lines[cut].comment is None:
                    cut += 1
                self.blanks[-1] = list(lines[:cut])
            said = comments.own_comments(original)
            if said and self.waiting:
                self.waiting[-1].extend(comments.in_order(original, said))
            return cst.RemoveFromParent()
        if len(body) != len(updated.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=body)

    def leave_IndentedBlock(self, original, updated):
        if not updated.body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated


def _unused_imports(source: str) -> Set[str]:
    """Names pyflakes reports as imported but unused (`httpx`, `openai.OpenAI`)."""
    from pyflakes import checker, messages

    try:
        found = checker.Checker(ast.parse(source), filename="<module>")
    except SyntaxError:
        return set()
    return {
        m.message_args[0]
        for m in found.messages
        if isinstance(m, messages.UnusedImport)
    }


class _TopLevelAwait(ast.NodeTransformer):
    """`await x` outside a function (a notebook cell) as `x`: pyflakes reports such an
    await as misplaced and checks none of the names inside it."""

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        return node

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_Await(self, node: ast.Await) -> ast.AST:
        return self.visit(node.value)


def undefined_names(source: str) -> Set[str]:
    """Names pyflakes reports as undefined (inside top-level awaits too)."""
    from pyflakes import checker, messages

    tree = _TopLevelAwait().visit(ast.parse(source))
    found = checker.Checker(tree, filename="<migrated>")
    return {
        m.message_args[0]
        for m in found.messages
        if isinstance(m, (messages.UndefinedName, messages.UndefinedExport))
    }


def verify(original: str, migrated: str, filename: str = "<migrated>") -> Optional[str]:
    """Why `migrated` must not be written, or None when it is safe."""
    # notebook cells may `await` at top level, as IPython allows
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if filename.endswith(".ipynb") else 0
    try:
        cst.parse_module(migrated)
        compile(migrated, "<migrated>", "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, cst.ParserSyntaxError, ValueError) as exc:
        return f"the rewrite did not parse ({exc}); file left unchanged"
    try:
        before = undefined_names(original)
    except SyntaxError:
        before = set()
    new = undefined_names(migrated) - before
    if new:
        return f"the rewrite would leave undefined names ({', '.join(sorted(new))}); file left unchanged"
    return None


def _format_like(original: str, migrated: str) -> str:
    """Black-format the output only when the input was black-clean (never a whole foreign file)."""
    try:
        import black
    except ImportError:  # pragma: no cover - black is a dependency
        return migrated
    mode = black.Mode()
    try:
        if black.format_str(original, mode=mode) != original:
            return migrated
        return black.format_str(migrated, mode=mode)
    except Exception:
        return migrated


def error_result(
    source: str, code: str, message: str, line: int = 1, column: int = 1
) -> Result:
    return Result(
        original=source,
        code=source,
        findings=[Finding(code, ERROR, message, line, column)],
        error=message,
    )


def _syntax_error_position(
    source: str, exc: "cst.ParserSyntaxError"
) -> Tuple[int, int, str]:
    """Line, column (1-based) and reason of a syntax error, as Python itself reports them.

    LibCST's parser often places the error on the token after the real one (a
    line too far for an unclosed bracket); Python's own parser is asked first,
    and LibCST's position is used only when Python accepts the code.
    """
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except SyntaxError as syntax:
        if syntax.lineno:
            return syntax.lineno, max(1, syntax.offset or 1), syntax.msg
    except (ValueError, MemoryError, RecursionError):
        pass
    return exc.editor_line, exc.editor_column, exc.message
