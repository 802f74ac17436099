"""Many files: outcomes in discovery order, candidates migrated in worker processes,
and the dependency files last (their plan folds what all code files say).
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from functools import partial
from typing import Any, Deque, Iterable, Iterator, List, Tuple

from migrate_inference.config import Config
from migrate_inference.discover import Candidate, Discovered
from migrate_inference.runner import (
    CRASH_ERROR,
    DEPENDENCY_KINDS,
    TIMEOUT_ERROR,
    FileOutcome,
    RunSettings,
    commit,
    failed,
    handler_for,
    migrate,
    process,
    screen_sized,
)
from migrate_inference.workers import budget_for

# Candidates handed to the pool and not yet finished, per job: enough that a
# worker always has the next one queued while the main process waits for the
# oldest (outcomes are yielded in discovery order).
IN_FLIGHT_PER_JOB = 4
# Finished candidates (their outcomes may hold a diff or the new bytes) and
# outcomes in all that may wait behind the oldest unfinished candidate before
# the main process stops reading ahead: these bound memory, not speed.
WAITING_CANDIDATES_PER_JOB = 16
MAX_WAITING = 2048




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
    return migrate(item, settings)


def _warm(settings: RunSettings, item: Discovered) -> None:
    """Import the item's handler before its time budget starts."""
    if isinstance(item, Candidate):
        try:
            handler_for(item.kind, settings)
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
                outcome, size = screen_sized(item, self.settings)
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
                yield commit(entry, self.settings)
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
            return commit(task.result, self.settings)
        what, reason = task.failure
        kind = item.kind if isinstance(item, Candidate) else ""
        code = TIMEOUT_ERROR if what == TIMED_OUT else CRASH_ERROR
        return failed(item.path, kind, reason, code)
