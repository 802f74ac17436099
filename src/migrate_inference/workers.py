"""Worker processes that one file cannot take down, and that never hang the run.

Every file the engine parses is handled in a worker process, one file at a time
per worker.  A worker that dies (a segmentation fault in LibCST's native parser,
an abort on exhausted memory, the out-of-memory killer) costs exactly the file
it was working on: the pool knows which one, reports it, and starts a new
worker for the next file.  A file that runs past its time budget gets its
worker killed the same way.  Workers only compute; the main process alone
writes files, so a killed worker has written nothing.

The pool is deliberately small: a pipe per worker, ``multiprocessing.connection
.wait`` on the pipes and the process sentinels, and a deadline per task.  The
standard ``ProcessPoolExecutor`` cannot do this: it has no per-task timeout, and
when a worker dies it breaks every pending future without saying whose file
killed it.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from typing import Any, Callable, Deque, List, Optional

# Each worker may use at most this much address space: a file that would need
# more (LibCST takes about 1.5 GB per MB of source) fails alone, as a crash or a
# MemoryError, instead of pushing the machine into swap or the OOM killer.
WORKER_ADDRESS_SPACE = 6 * 1024**3

CRASHED = "crashed"
TIMED_OUT = "timed out"


class Task:
    """One unit of work: its result once done, or why it has none."""

    __slots__ = ("payload", "budget", "done", "result", "failure", "interrupted")

    def __init__(self, payload: Any, budget: Optional[float]) -> None:
        self.payload = payload
        self.budget = budget
        self.done = False
        self.result: Any = None
        # (CRASHED or TIMED_OUT, one-line reason) when the worker gave no result
        self.failure: Optional[tuple] = None
        self.interrupted = False


def _context() -> Any:
    # fork starts a worker in milliseconds and hands it the work function
    # without pickling; elsewhere the function must be picklable.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _limit_memory() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = WORKER_ADDRESS_SPACE
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft == resource.RLIM_INFINITY or soft > wanted:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass


def _serve(
    connection: Any,
    work: Callable[[Any], Any],
    warm: Optional[Callable[[Any], Any]],
) -> None:
    """A worker's life: take a payload, warm up for it (imports: not the file's time),
    say ("started", None), send back ("ok", result); until told to stop."""
    # Ctrl-C is for the main process, which stops handing out work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory()
    while True:
        try:
            payload = connection.recv()
        except (EOFError, OSError):
            return
        if payload is None:
            return
        try:
            if warm is not None:
                warm(payload)
            connection.send(("started", None))
            reply = ("ok", work(payload))
        except KeyboardInterrupt:
            reply = ("interrupt", None)
        except MemoryError:
            reply = ("memory", None)
        try:
            connection.send(reply)
        except (EOFError, OSError, BrokenPipeError):
            return


class _Worker:
    def __init__(
        self,
        context: Any,
        work: Callable[[Any], Any],
        warm: Optional[Callable[[Any], Any]],
    ) -> None:
        parent, child = context.Pipe()
        self.connection = parent
        self.process = context.Process(
            target=_serve, args=(child, work, warm), daemon=True
        )
        self.process.start()
        child.close()
        self.task: Optional[Task] = None
        self.deadline: Optional[float] = None

    def start(self, task: Task) -> None:
        self.task = task
        self.deadline = None  # set when the worker says it has started on the file
        self.connection.send(task.payload)

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, AttributeError):  # pragma: no cover - already gone
            pass
        self.process.join(5)
        self.connection.close()


def _signal_name(exitcode: Optional[int]) -> str:
    if exitcode is None or exitcode >= 0:
        return f"exit status {exitcode}"
    try:
        return signal.Signals(-exitcode).name
    except ValueError:  # pragma: no cover
        return f"signal {-exitcode}"


def crash_reason(exitcode: Optional[int]) -> str:
    name = _signal_name(exitcode)
    hint = {
        "SIGSEGV": "a native parser overflowed its stack?",
        "SIGABRT": "out of memory?",
        "SIGKILL": "killed from outside, perhaps for memory",
        "SIGBUS": "out of memory?",
    }.get(name)
    why = f"{name}; {hint}" if hint else name
    return f"the worker process crashed ({why}) while migrating this file; file left unchanged"


class WorkerPool:
    """Up to ``jobs`` workers running ``work(payload)``; a task per call of ``submit``.

    A task's time budget starts once ``warm(payload)`` has run in the worker
    (importing what the work needs is not the file's fault).

    ``pump`` moves things along (hands out tasks, collects results, kills
    workers past their deadline); callers poll ``Task.done``.
    """

    def __init__(
        self,
        jobs: int,
        work: Callable[[Any], Any],
        warm: Optional[Callable[[Any], Any]] = None,
    ) -> None:
        self.jobs = max(1, jobs)
        self.work = work
        self.warm = warm
        self.context = _context()
        self.workers: List[_Worker] = []
        self.pending: Deque[Task] = deque()
        self.unfinished = 0

    def submit(self, payload: Any, budget: Optional[float]) -> Task:
        task = Task(payload, budget)
        self.pending.append(task)
        self.unfinished += 1
        self._dispatch()
        return task

    def _finish(self, task: Task) -> None:
        task.done = True
        self.unfinished -= 1
        if task.interrupted:
            raise KeyboardInterrupt

    def _dispatch(self) -> None:
        while self.pending:
            idle = next((w for w in self.workers if w.task is None), None)
            if idle is None:
                if len(self.workers) >= self.jobs:
                    return
                idle = _Worker(self.context, self.work, self.warm)
                self.workers.append(idle)
            task = self.pending.popleft()
            try:
                idle.start(task)
            except (OSError, EOFError):  # the worker died while idle: replace it
                self._retire(idle)
                self.pending.appendleft(task)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        self.workers.remove(worker)

    def pump(self, timeout: Optional[float] = None) -> None:
        """Wait up to ``timeout`` seconds (None: until something happens) and handle what happened."""
        from multiprocessing.connection import wait

        busy = [w for w in self.workers if w.task is not None]
        if not busy:
            self._dispatch()
            return
        now = time.monotonic()
        deadlines = [w.deadline - now for w in busy if w.deadline is not None]
        if deadlines:
            soonest = max(0.0, min(deadlines))
            timeout = soonest if timeout is None else min(timeout, soonest)
        waitables: List[Any] = []
        for worker in busy:
            waitables += [worker.connection, worker.process.sentinel]
        ready = set(wait(waitables, timeout))
        finished: List[Task] = []
        for worker in busy:
            task = worker.task
            assert task is not None
            if worker.connection in ready:
                try:
                    status, value = worker.connection.recv()
                except (EOFError, OSError):
                    status, value = "died", None
                if status == "started":
                    if task.budget is not None:
                        worker.deadline = time.monotonic() + task.budget
                    continue
                if status == "ok":
                    task.result = value
                    worker.task = None
                    finished.append(task)
                    continue
                if status == "interrupt":
                    task.interrupted = True
                    worker.task = None
                    finished.append(task)
                    continue
                if status == "memory":
                    task.failure = (
                        CRASHED,
                        "the file needs more memory than a worker may use; file left unchanged",
                    )
                    self._retire(worker)  # its heap may be in a sorry state
                    finished.append(task)
                    continue
            if worker.connection in ready or worker.process.sentinel in ready:
                worker.process.join(5)
                task.failure = (CRASHED, crash_reason(worker.process.exitcode))
                self._retire(worker)
                finished.append(task)
                continue
            if worker.deadline is not None and time.monotonic() >= worker.deadline:
                task.failure = (
                    TIMED_OUT,
                    f"took longer than its time budget of {task.budget:.0f} s "
                    "(--timeout-per-file); file left unchanged",
                )
                self._retire(worker)
                finished.append(task)
        self._dispatch()
        interrupted = False
        for task in finished:
            try:
                self._finish(task)
            except KeyboardInterrupt:
                interrupted = True
        if interrupted:
            raise KeyboardInterrupt

    def wait_for(self, task: Task) -> None:
        while not task.done:
            self.pump()

    def close(self) -> None:
        """Stop idle workers politely and busy ones at once (they have written nothing)."""
        for worker in self.workers:
            if worker.task is None:
                try:
                    worker.connection.send(None)
                except (OSError, EOFError):
                    pass
        for worker in self.workers:
            if worker.task is None:
                worker.process.join(1)
            if worker.process.is_alive():
                worker.kill()
            else:
                worker.connection.close()
        self.workers = []
        self.pending.clear()


def budget_for(size: int, timeout: Optional[float]) -> Optional[float]:
    """The time budget of a file of ``size`` bytes: ``timeout`` seconds, plus as much again per MiB."""
    if timeout is None or timeout <= 0:
        return None
    return timeout * (1 + size / (1024 * 1024))
