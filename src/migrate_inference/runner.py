"""Runs the engine over files: read, decode, migrate, encode, write or diff.

Bytes in, bytes out.  A file is decoded the way Python itself would decode it
(a UTF-8 byte-order mark, a PEP 263 coding cookie, else UTF-8), its line endings
are never translated, and the new text is encoded back with the same encoding
and mark.  A changed file is written to a temporary file in the same directory
and moved over the original with ``os.replace``, keeping the original's mode: a
run that is killed at any moment leaves every file either as it was or fully
migrated (at worst with a stray ``.*.migrate-inference.tmp`` file beside it).

Candidates are migrated in worker processes (``migrate_inference.workers``),
however few they are.  The main process reads each file once and applies the
byte prefilter itself: a file without OpenAI references costs a read and a
search and never leaves the main process.  Only the candidates go to the
workers, by path (a worker reads the file again, from the page cache, rather
than receiving its bytes), so no worker is even started for a tree without
OpenAI code, and a worker imports the engine only when it gets its first
candidate.  Workers only read and compute; the main process does every write,
so a worker that dies (a crash in a native parser, the out-of-memory killer)
or is killed for running past the file's time budget (``--timeout-per-file``)
has written nothing: that file alone fails (MI007, MI006), and a new worker
takes the next one.
Outcomes come back in discovery order and are yielded one at a time; only a
bounded number of files is in flight or waiting, so memory does not grow with
the number of files.

Dependency files (requirements, pyproject.toml, setup.cfg) wait until every
code file is done: their ``openai`` requirement is replaced only when no code
under the given paths still uses ``openai`` after migration, every code file
was processed, and some code uses azure-ai-inference (see
``migrate_inference.deps.dependency_plan``).  Otherwise they are kept, with a
note saying why.

Every failure is one ``FileOutcome`` with status ``failed`` and one short
reason; no exception escapes for a bad file.

This module handles one file; ``run_pool`` runs many (the order, the worker
pool, the dependency files last) and ``source_io`` holds the bytes-and-text
steps (decode, encode, diff, the atomic write).
"""

from __future__ import annotations

import importlib
import os
import stat
from dataclasses import dataclass, field, replace
from functools import partial
from typing import (
    Any,
    Callable,
    List,
    Optional,
    Tuple,
    Union,
)

from migrate_inference.envvars import new_env
from migrate_inference.config import Config
from migrate_inference.redact import redact
from migrate_inference.discover import (
    NOTEBOOK,
    PYPROJECT,
    PYTHON,
    REQUIREMENTS,
    SETUP_CFG,
    Candidate,
    Discovered,
    DiscoveryError,
    OPENAI_MARKERS,
    os_error_reason,
)
from migrate_inference.findings import Finding, Result
from migrate_inference.review import annotate
from migrate_inference.source_io import (
    FileFailure,
    decode_source,
    encode_source,
    unified_diff,
    write_atomically,
)

CHANGED = "changed"
UNCHANGED = "unchanged"
FAILED = "failed"

# Files above this size are not migrated: parsing them would take minutes and
# gigabytes, and files that large are generated, not written.  Such a file is
# still scanned for OpenAI references (in chunks); only one that has them is
# reported, as a failure, so nothing is skipped silently.  Python modules have a
# lower bound: LibCST needs about 40 s and 3.7 GB for a 2.5 MB module (measured,
# docs/performance.md), so a larger one could not finish in its time budget;
# notebooks are mostly outputs and keep the higher one.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_MODULE_BYTES = 2 * 1024 * 1024
_SCAN_CHUNK = 1024 * 1024


# Codes from migrate_inference.rules.ERROR_CODES for failures found outside the engine.
READ_ERROR = "MI002"
INTERNAL_ERROR = "MI004"
TIMEOUT_ERROR = "MI006"
CRASH_ERROR = "MI007"

# The default of --timeout-per-file, in seconds (a file's budget grows with its
# size, see migrate_inference.workers.budget_for).
DEFAULT_TIMEOUT_PER_FILE = 30.0

Engine = Callable[[str, Config, str], Result]

DEPENDENCY_KINDS = frozenset({REQUIREMENTS, PYPROJECT, SETUP_CFG})

# kind -> (module, function) of the handler; Python files go to the engine.
_HANDLERS = {
    NOTEBOOK: ("migrate_inference.notebooks", "migrate_notebook"),
    REQUIREMENTS: ("migrate_inference.deps", "migrate_requirements"),
    PYPROJECT: ("migrate_inference.deps", "migrate_pyproject"),
    SETUP_CFG: ("migrate_inference.deps", "migrate_setup_cfg"),
}
# `--to openai`: dependency files swap azure-ai-inference for openai.
_REVERSE_HANDLERS = {
    **_HANDLERS,
    REQUIREMENTS: ("migrate_inference.to_openai.deps", "migrate_requirements"),
    PYPROJECT: ("migrate_inference.to_openai.deps", "migrate_pyproject"),
    SETUP_CFG: ("migrate_inference.to_openai.deps", "migrate_setup_cfg"),
}


@dataclass(frozen=True)
class RunSettings:
    """What every worker needs to know; small and picklable.

    ``engine`` replaces ``migrate_inference.engine.migrate_source`` for Python
    files.  With a process pool it must be picklable, i.e. a module-level
    function of an importable module.
    """

    config: Config = field(default_factory=Config)
    write: bool = True
    want_diff: bool = False
    engine: Optional[Engine] = None
    # For dependency files: a migrate_inference.deps.DependencyPlan, or None
    # to keep them as they are, for the reason in dependency_note.
    dependency_plan: Any = None
    dependency_note: str = "kept: dependency files are rewritten only after the code"
    # Code files are migrated in worker processes, so that a file that crashes
    # the parser or runs past its time budget costs that file alone.  False runs
    # everything in this process (for embedding, and for debugging a handler).
    isolate: bool = True
    timeout_per_file: Optional[float] = DEFAULT_TIMEOUT_PER_FILE


@dataclass
class FileOutcome:
    path: str
    kind: str
    status: str
    findings: List[Finding] = field(default_factory=list)
    error: Optional[str] = None
    error_code: Optional[str] = None
    diff: Optional[str] = None
    note: Optional[str] = None  # why an unchanged file was not migrated
    # Set by a worker, consumed by the main process, which alone writes files:
    # a worker that dies has then written nothing, and its files can be retried.
    new_data: Optional[bytes] = field(default=None, repr=False)
    before: Optional[Tuple[int, int, int]] = field(default=None, repr=False)
    # For code files: a migrate_inference.deps.CodeFacts about the code as it
    # ends up (or None when unknown), for the dependency decision.
    facts: Any = field(default=None, repr=False)
    # The file's position in discovery order (set by the CLI, for merging shard reports).
    index: Optional[int] = None
    # Environment variables the migrated file reads and the original did not.
    new_env: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # An error message may quote the user's code (a syntax error's line).
        if self.error is not None:
            self.error = redact(self.error)


# ---------------------------------------------------------------- one file


def process(item: Discovered, settings: RunSettings) -> FileOutcome:
    """Migrate one file (or report one discovery error).  Never raises for a bad file."""
    return commit(migrate(item, settings), settings)


def commit(outcome: FileOutcome, settings: RunSettings) -> FileOutcome:
    """Write a changed file's new bytes (in write mode) and drop them from the outcome."""
    new_data, before = outcome.new_data, outcome.before
    outcome.new_data = outcome.before = None
    if (
        settings.write
        and outcome.status == CHANGED
        and new_data is not None
        and before is not None
    ):
        try:
            write_atomically(outcome.path, new_data, before)
        except FileFailure as exc:
            return failed(outcome.path, outcome.kind, str(exc), READ_ERROR)
    return outcome


def migrate(item: Discovered, settings: RunSettings) -> FileOutcome:
    """Everything but the write; safe to run in a worker and to retry."""
    outcome = _guarded(item, _process_candidate, settings)
    assert outcome is not None
    return outcome


def screen_sized(
    item: Discovered, settings: RunSettings
) -> Tuple[Optional[FileOutcome], int]:
    """The outcome of a file that needs no handler (no OpenAI reference, unreadable,
    too large, binary...), or None for a candidate, and the candidate's size in bytes (its time budget depends on it).
    """
    sizes: List[int] = []

    def step(candidate: Candidate, settings: RunSettings) -> Any:
        screened = _screen_candidate(candidate, settings)
        if not isinstance(screened, FileOutcome):
            sizes.append(len(screened[0]))
        return screened

    outcome = _guarded(item, step, settings)
    return outcome, (sizes[0] if sizes else 0)


def _guarded(
    item: Discovered,
    step: Callable[[Candidate, RunSettings], Any],
    settings: RunSettings,
) -> Optional[FileOutcome]:
    if isinstance(item, DiscoveryError):
        return failed(item.path, "", item.reason, READ_ERROR)
    try:
        result = step(item, settings)
        return result if isinstance(result, FileOutcome) else None
    except FileFailure as exc:
        return failed(item.path, item.kind, str(exc), READ_ERROR)
    except Exception as exc:  # a bug in a handler must cost one file, not the run
        return failed(
            item.path,
            item.kind,
            f"internal error: {type(exc).__name__}: {exc}",
            INTERNAL_ERROR,
        )


def failed(path: str, kind: str, reason: str, code: str) -> FileOutcome:
    return FileOutcome(path, kind, FAILED, error=reason, error_code=code)


def _screen_candidate(
    candidate: Candidate, settings: RunSettings
) -> Union[FileOutcome, Tuple[bytes, os.stat_result]]:
    """Stat, read, prefilter: an outcome when that settles the file, else its bytes and stat."""
    path, kind = candidate.path, candidate.kind
    before = _stat_regular(path)
    markers = _markers(settings.config)
    limit = MAX_MODULE_BYTES if kind == PYTHON else MAX_FILE_BYTES
    if before.st_size > min(limit, MAX_FILE_BYTES):
        if not _large_file_mentions_openai(path, markers):
            outcome = FileOutcome(path, kind, UNCHANGED, note="no OpenAI reference")
            outcome.facts = _plain_facts()
            return outcome
        raise FileFailure(
            f"file is larger than {min(limit, MAX_FILE_BYTES) // (1024 * 1024)} MB "
            f"({before.st_size} bytes); skipped"
        )
    data = _read_bytes(path)
    if b"\0" in data:
        raise FileFailure("contains NUL bytes (a binary file?)")
    if not any(marker in data for marker in markers) and not (
        settings.config.to_openai
        and settings.config.project is not None
        and settings.config.project.uses_inference_client(path)
    ):
        if settings.config.to_openai:
            outcome = FileOutcome(
                path, kind, UNCHANGED, note="no azure-ai-inference reference"
            )
            outcome.facts = _plain_facts()
            return outcome
        outcome = FileOutcome(path, kind, UNCHANGED, note="no OpenAI reference")
        outcome.facts = _facts_without_openai(data, path)
        return outcome
    return data, before


def _process_candidate(candidate: Candidate, settings: RunSettings) -> FileOutcome:
    screened = _screen_candidate(candidate, settings)
    if isinstance(screened, FileOutcome):
        return screened
    data, before = screened
    path, kind = candidate.path, candidate.kind
    handler = handler_for(kind, settings)
    if handler is None:
        outcome = FileOutcome(
            path, kind, UNCHANGED, note=f"no {kind} support installed"
        )
        outcome.facts = _still_uses_openai()
        return outcome
    if kind in DEPENDENCY_KINDS:
        plan = settings.dependency_plan
        if plan is None:
            return FileOutcome(path, kind, UNCHANGED, note=settings.dependency_note)
        handler = partial(
            handler, needs_async=plan.needs_async, needs_identity=plan.needs_identity
        )
    text, encoding = decode_source(data, kind)
    config = settings.config
    if candidate.ignore:  # [per-file-ignores]
        config = replace(config, ignore=config.ignore | candidate.ignore)
    result = handler(text, config, path)
    if result.error is not None:
        codes = [f.code for f in result.findings if f.kind == "error"]
        outcome = failed(
            path, kind, result.error, codes[0] if codes else INTERNAL_ERROR
        )
        outcome.findings = list(result.findings)
        return outcome
    outcome = FileOutcome(path, kind, UNCHANGED, findings=list(result.findings))
    if kind not in DEPENDENCY_KINDS:
        outcome.facts = _code_facts(result.code, path)
    if result.code == text:
        return outcome
    new_data = encode_source(result.code, encoding)
    outcome.status = CHANGED
    outcome.new_env = new_env(text, result.code)
    if settings.want_diff:
        outcome.diff = unified_diff(path, text, result.code)
        if kind == "python":  # the findings' lines are the file's own
            outcome.diff = annotate(outcome.diff, outcome.findings)
    if settings.write:
        outcome.new_data = new_data
        outcome.before = (before.st_mtime_ns, before.st_size, before.st_ino)
    return outcome


def _code_facts(text: str, path: str) -> Any:
    try:
        from migrate_inference.deps import code_facts
    except ImportError:
        return None
    return code_facts(text, path)


def _facts_without_openai(data: bytes, path: str) -> Any:
    """Facts for a file the prefilter skipped: only azure-ai-inference usage is left to learn."""
    if b"azure" not in data:
        return _plain_facts()
    return _code_facts(
        data.decode("latin-1"), path
    )  # never fails; keeps every ASCII name


def _plain_facts(**values: bool) -> Any:
    try:
        from migrate_inference.deps import CodeFacts
    except ImportError:
        return None
    return CodeFacts(**values)


def _still_uses_openai() -> Any:
    return _plain_facts(uses_openai=True)


def _stat_regular(path: str) -> os.stat_result:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise FileFailure(os_error_reason(exc, path)) from exc
    if stat.S_ISDIR(st.st_mode):
        raise FileFailure("is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise FileFailure("not a regular file")
    return st


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise FileFailure(os_error_reason(exc, path)) from exc


# `--to openai` looks for azure-ai-inference code: `azure.ai.inference` in Python,
# `azure-ai-inference` in dependency files.
REVERSE_MARKERS = (b"inference",)


def _markers(config: Config) -> Tuple[bytes, ...]:
    return REVERSE_MARKERS if config.to_openai else OPENAI_MARKERS


def _large_file_mentions_openai(
    path: str, markers: Tuple[bytes, ...] = (b"openai", b"OpenAI")
) -> bool:
    overlap = max(len(m) for m in markers) - 1
    tail = b""
    try:
        with open(path, "rb") as handle:
            while True:
                chunk = handle.read(_SCAN_CHUNK)
                if not chunk:
                    return False
                if any(marker in tail + chunk for marker in markers):
                    return True
                tail = chunk[-overlap:]
    except OSError as exc:
        raise FileFailure(os_error_reason(exc, path)) from exc


def handler_for(
    kind: str, settings: RunSettings
) -> Optional[Callable[[str, Config, str], Result]]:
    if kind == PYTHON:
        if settings.engine is not None:
            return settings.engine
        from migrate_inference.engine import migrate_source

        return migrate_source
    handlers = _REVERSE_HANDLERS if settings.config.to_openai else _HANDLERS
    module_name, function_name = handlers[kind]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None  # that kind of file is not supported by this installation
        raise
    return getattr(module, function_name, None)
