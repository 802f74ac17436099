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
"""

from __future__ import annotations

import difflib
import importlib
import io
import os
import stat
import tempfile
import tokenize
from collections import deque
from dataclasses import dataclass, field, replace
from functools import partial
from typing import (
    Any,
    Callable,
    Deque,
    Iterable,
    Iterator,
    List,
    Optional,
    Set,
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
from migrate_inference.workers import budget_for
from migrate_inference.review import annotate

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

# Candidates handed to the pool and not yet finished, per job: enough that a
# worker always has the next one queued while the main process waits for the
# oldest (outcomes are yielded in discovery order).
IN_FLIGHT_PER_JOB = 4
# Finished candidates (their outcomes may hold a diff or the new bytes) and
# outcomes in all that may wait behind the oldest unfinished candidate before
# the main process stops reading ahead: these bound memory, not speed.
WAITING_CANDIDATES_PER_JOB = 16
MAX_WAITING = 2048

TEMP_SUFFIX = ".migrate-inference.tmp"

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


class _Failure(Exception):
    """A reason to give up on one file (reading, decoding, writing)."""


# ---------------------------------------------------------------- one file


def process(item: Discovered, settings: RunSettings) -> FileOutcome:
    """Migrate one file (or report one discovery error).  Never raises for a bad file."""
    return _commit(_migrate(item, settings), settings)


def _commit(outcome: FileOutcome, settings: RunSettings) -> FileOutcome:
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
        except _Failure as exc:
            return failed(outcome.path, outcome.kind, str(exc), READ_ERROR)
    return outcome


def _migrate(item: Discovered, settings: RunSettings) -> FileOutcome:
    """Everything but the write; safe to run in a worker and to retry."""
    outcome = _guarded(item, _process_candidate, settings)
    assert outcome is not None
    return outcome


def _screen_sized(
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
    except _Failure as exc:
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
        raise _Failure(
            f"file is larger than {min(limit, MAX_FILE_BYTES) // (1024 * 1024)} MB "
            f"({before.st_size} bytes); skipped"
        )
    data = _read_bytes(path)
    if b"\0" in data:
        raise _Failure("contains NUL bytes (a binary file?)")
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
    handler = _handler(kind, settings)
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
        raise _Failure(os_error_reason(exc, path)) from exc
    if stat.S_ISDIR(st.st_mode):
        raise _Failure("is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise _Failure("not a regular file")
    return st


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise _Failure(os_error_reason(exc, path)) from exc


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
        raise _Failure(os_error_reason(exc, path)) from exc


def _handler(
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


# ------------------------------------------------------- bytes and text


def decode_source(data: bytes, kind: str = PYTHON) -> Tuple[str, str]:
    """The text and the encoding to write it back with ('utf-8-sig' keeps a BOM).

    Python files follow PEP 263 (BOM, coding cookie, else UTF-8); the other
    kinds are UTF-8 with an optional BOM.  Line endings are left alone.
    """
    if kind == PYTHON:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            raise _Failure(f"cannot decode: {exc.msg or exc}") from exc
    else:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode(encoding), encoding
    except LookupError as exc:
        raise _Failure(f"cannot decode: unknown encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise _Failure(
            f"cannot decode as {encoding}: byte 0x{bad} at line {line} ({exc.reason})"
        ) from exc


def encode_source(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise _Failure(
            f"the migrated code cannot be encoded as {encoding} "
            f"({text[exc.start : exc.end]!r}); file left unchanged"
        ) from exc


def unified_diff(path: str, old: str, new: str) -> str:
    """A unified diff that `patch -p0` accepts, marking a missing final newline like git."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=path,
        tofile=path,
    )
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def write_atomically(path: str, data: bytes, before: Tuple[int, int, int]) -> None:
    """Replace the file's bytes in one step; keep its mode; write through a symbolic link.

    ``before`` is (mtime_ns, size, inode) taken before reading: if the file changed since
    (an editor saved it), it is left alone rather than overwritten.
    """
    target = os.path.realpath(path)
    try:
        now = os.stat(target)
    except OSError as exc:
        raise _Failure(os_error_reason(exc, path)) from exc
    if (now.st_mtime_ns, now.st_size, now.st_ino) != tuple(before):
        raise _Failure("file changed while it was being migrated; left as it is")
    directory, name = os.path.split(target)
    try:
        fd, temp_path = tempfile.mkstemp(
            prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=directory
        )
    except OSError as exc:
        raise _Failure(f"cannot write: {os_error_reason(exc, directory)}") from exc
    try:
        # No fsync: os.replace is atomic against a killed process, which is the
        # risk here; syncing each file would make large runs many times slower.
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp_path, stat.S_IMODE(now.st_mode))
        if hasattr(os, "geteuid") and (now.st_uid, now.st_gid) != (
            os.geteuid(),
            os.getegid(),
        ):
            try:
                os.chown(temp_path, now.st_uid, now.st_gid)
            except OSError:
                pass  # only root may give files away; the mode is what matters
        os.replace(temp_path, target)
    except BaseException as exc:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _Failure(f"cannot write: {os_error_reason(exc, path)}") from exc
        raise


# ---------------------------------------------------------- many files


def iter_outcomes(
    items: Iterable[Discovered], settings: RunSettings, jobs: int = 1
) -> Iterator[FileOutcome]:
    """One outcome per discovered item as soon as it is known: code files in
    discovery order, then the dependency files (which depend on the code)."""
    dependency_files: List[Candidate] = []
    tally = _FactsTally()

    def code_items() -> Iterator[Discovered]:
        for item in items:
            if isinstance(item, Candidate) and item.kind in DEPENDENCY_KINDS:
                dependency_files.append(item)
            else:
                yield item

    for outcome in _code_outcomes(code_items(), settings, jobs):
        tally.add(outcome)
        yield outcome
    if dependency_files:
        plan, note = tally.plan(settings.config)
        dependency_settings = replace(
            settings, dependency_plan=plan, dependency_note=note
        )
        for item in dependency_files:
            yield process(item, dependency_settings)


class _FactsTally:
    """What all code files together say about the dependency files, folded as they come."""

    def __init__(self) -> None:
        self.unknown = self.openai = self.azure = self.asyncio = self.identity = False

    def add(self, outcome: FileOutcome) -> None:
        facts = outcome.facts
        if facts is None:
            self.unknown = True  # failed or unreadable: it may well still use openai
            return
        self.openai |= facts.uses_openai
        self.azure |= facts.uses_azure_inference
        self.asyncio |= facts.uses_async
        self.identity |= facts.uses_identity

    def plan(self, config: Config) -> Tuple[Any, str]:
        if self.unknown:
            return None, "kept: not every code file could be migrated"
        if config.to_openai:
            if self.azure:
                return None, "kept: code still uses azure-ai-inference"
            if not self.openai:
                return None, "kept: no code uses openai"
            from migrate_inference.deps import DependencyPlan

            return (
                DependencyPlan(needs_async=self.asyncio, needs_identity=self.identity),
                "",
            )
        if self.openai:
            return None, "kept: code still uses openai"
        try:
            from migrate_inference.deps import CodeFacts, dependency_plan
        except ImportError:
            return None, "kept: no dependency support installed"
        folded = CodeFacts(
            uses_openai=False,
            uses_azure_inference=self.azure,
            uses_async=self.asyncio,
            uses_identity=self.identity,
        )
        plan = dependency_plan([folded], config)
        if plan is None:
            return None, "kept: no code uses azure-ai-inference"
        return plan, ""


def _code_outcomes(
    items: Iterable[Discovered], settings: RunSettings, jobs: int
) -> Iterator[FileOutcome]:
    if not settings.isolate:
        for item in items:
            yield process(item, settings)
        return
    yield from _Pool(settings, jobs).run(iter(items))


def _work(settings: RunSettings, item: Discovered) -> FileOutcome:
    """What a worker does with one candidate (module level: picklable where fork is missing)."""
    return _migrate(item, settings)


def _warm(settings: RunSettings, item: Discovered) -> None:
    """Import the item's handler before its time budget starts."""
    if isinstance(item, Candidate):
        try:
            _handler(item.kind, settings)
        except Exception:  # reported by the work itself
            pass


class _Pool:
    """Screens every file in this process and migrates the candidates in worker
    processes (see ``migrate_inference.workers``), yielding outcomes in
    discovery order.

    Workers start at the first candidate (never, for a tree without OpenAI
    code).  A worker that crashes or runs past the file's time budget costs
    that file alone: it is reported (MI007, MI006) and a new worker takes the
    next file.
    """

    def __init__(self, settings: RunSettings, jobs: int) -> None:
        from migrate_inference.workers import WorkerPool

        self.settings = settings
        self.workers = WorkerPool(
            jobs, partial(_work, settings), partial(_warm, settings)
        )
        # Discovery order: (item, its outcome or the task that computes it).
        self.waiting: Deque[Tuple[Discovered, Any]] = deque()
        self.futures = 0  # tasks in self.waiting
        self.in_flight = jobs * IN_FLIGHT_PER_JOB
        self.max_futures = jobs * WAITING_CANDIDATES_PER_JOB

    def run(self, items: Iterator[Discovered]) -> Iterator[FileOutcome]:
        try:
            for item in items:
                outcome, size = _screen_sized(item, self.settings)
                if outcome is None:
                    while self.workers.unfinished >= self.in_flight:
                        self.workers.pump()
                    budget = budget_for(size, self.settings.timeout_per_file)
                    self.waiting.append((item, self.workers.submit(item, budget)))
                    self.futures += 1
                else:
                    self.waiting.append((item, outcome))
                # Read ahead while the oldest candidate runs, within bounds.
                full = (
                    len(self.waiting) >= MAX_WAITING or self.futures >= self.max_futures
                )
                yield from self._ready(block=full)
            while self.waiting:
                yield from self._ready(block=True)
        finally:
            self.workers.close()

    def _ready(self, block: bool) -> Iterator[FileOutcome]:
        """Yield the outcomes at the head of the queue that are known; with
        ``block``, wait for the first one that is not."""
        while self.waiting:
            item, entry = self.waiting[0]
            if isinstance(entry, FileOutcome):
                self.waiting.popleft()
                yield _commit(entry, self.settings)
                continue
            if not entry.done:
                self.workers.pump(timeout=None if block else 0)
                if not entry.done:
                    if not block:
                        return
                    self.workers.wait_for(entry)
            block = False
            self.waiting.popleft()
            self.futures -= 1
            yield self._collect(item, entry)

    def _collect(self, item: Discovered, task: Any) -> FileOutcome:
        from migrate_inference.workers import TIMED_OUT

        if task.failure is None:
            return _commit(task.result, self.settings)
        what, reason = task.failure
        kind = item.kind if isinstance(item, Candidate) else ""
        code = TIMEOUT_ERROR if what == TIMED_OUT else CRASH_ERROR
        return failed(item.path, kind, reason, code)
