"""Which files a run looks at.

``discover(paths, exclude, include)`` yields, lazily and in a stable order, one
``Candidate`` per file to migrate or one ``DiscoveryError`` per path that cannot
be looked at.  Rules, in the order they apply inside a walked directory:

* directories that are never project code are pruned (``SKIPPED_DIRS``, any
  ``*.egg-info``, and any virtual environment, i.e. a directory holding
  ``pyvenv.cfg``);
* ``.gitignore`` files are honoured, including nested ones and those in the
  parent directories up to the repository root, plus ``.git/info/exclude``;
* ``--exclude`` globs (gitignore syntax, relative to the walked PATH) prune
  files and directories;
* ``--include`` globs, when given, keep only the files that match one of them;
* only supported files are kept: ``*.py``, ``*.ipynb`` and the dependency
  files ``migrate_inference.deps`` knows (``requirements*.txt``/``.in``,
  ``*-requirements.txt``, ``*.txt``/``.in`` inside a ``requirements/``
  directory, ``pyproject.toml`` and ``setup.cfg``);
* symbolic links to directories are not followed; a symbolic link to a file
  is followed only when its target lies inside the walked PATH.

A file named on the command line skips all of these and is always processed
(as Python unless its name says otherwise).  Each file is yielded once, even
when two paths lead to it.

``has_openai_bytes`` is the cheap prefilter the runner applies before decoding.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass
from typing import (
    IO,
    Any,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

PYTHON = "python"
NOTEBOOK = "notebook"
REQUIREMENTS = "requirements"
PYPROJECT = "pyproject"
SETUP_CFG = "setup_cfg"
KINDS = (PYTHON, NOTEBOOK, REQUIREMENTS, PYPROJECT, SETUP_CFG)

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".eggs",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
    }
)
SKIPPED_DIR_GLOBS = ("*.egg-info",)
VENV_MARKER = "pyvenv.cfg"
REPOSITORY_MARKERS = (".git", ".hg")

# engine.QUICK_MARKERS, as bytes: the package's name, chains only the OpenAI SDK has
# (a client handed in from another module), and notes an earlier run left.
OPENAI_MARKERS = (
    b"openai",
    b"OpenAI",
    b"chat.completions",
    b"completions.create",
    b"embeddings.create",
    b"TODO(migrate-inference)",
)


@dataclass(frozen=True)
class Candidate:
    path: str
    kind: str
    explicit: bool = False
    # Rule codes [per-file-ignores] turns off for this file.
    ignore: FrozenSet[str] = frozenset()


@dataclass(frozen=True)
class DiscoveryError:
    path: str
    reason: str


Discovered = Union[Candidate, DiscoveryError]


def has_openai_bytes(data: bytes) -> bool:
    """True when the raw bytes could hold OpenAI SDK code; decoding is not needed to know."""
    return any(marker in data for marker in OPENAI_MARKERS)


def kind_of(path: str) -> Optional[str]:
    """The kind of a supported file, from its name alone; None for anything else."""
    name = os.path.basename(path)
    if name.endswith(".py"):
        return PYTHON
    if name.endswith(".ipynb"):
        return NOTEBOOK
    try:
        from migrate_inference.deps import kind_of_dependency_file
    except ImportError:  # no dependency support: such files are not looked at
        return None
    return kind_of_dependency_file(path)


def os_error_reason(exc: OSError, path: str) -> str:
    """One short phrase for an OSError, naming the usual suspects plainly."""
    code = exc.errno
    if code == errno.ENOENT:
        if os.path.islink(path):
            return "broken symbolic link (its target does not exist)"
        return "no such file or directory"
    if code == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EISDIR:
        return "is a directory"
    if code == errno.ENOTDIR:
        return "a component of the path is not a directory"
    return exc.strerror or str(exc)


class GlobPatterns:
    """Gitignore-syntax patterns; the last pattern that matches a path decides."""

    def __init__(self, lines: Iterable[str]) -> None:
        lines = list(lines)
        if not lines:  # no --exclude/--include: pathspec is not even imported
            self.patterns: List[Any] = []
            return
        import pathspec

        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self.patterns = [p for p in spec.patterns if p.include is not None]

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def decision(self, rel_path: str, is_dir: bool) -> Optional[bool]:
        """True: matched; False: matched by a negation; None: no pattern spoke."""
        path = rel_path + "/" if is_dir else rel_path
        result = None
        for pattern in self.patterns:
            if pattern.match_file(path) is not None:
                result = pattern.include
        return result

    def matches(self, rel_path: str, is_dir: bool) -> bool:
        return bool(self.decision(rel_path, is_dir))


# A .gitignore's patterns, with its directory relative to the repository top ("" or "a/b/").
_IgnoreFile = Tuple[str, GlobPatterns]


def _read_ignore_file(path: str) -> Optional[GlobPatterns]:
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    globs = GlobPatterns(text.splitlines())
    return globs if globs else None


def _is_ignored(
    ignore_files: Sequence[_IgnoreFile], rel_top: str, is_dir: bool
) -> bool:
    ignored = False
    for base, globs in ignore_files:
        if not rel_top.startswith(base):
            continue
        decision = globs.decision(rel_top[len(base) :], is_dir)
        if decision is not None:
            ignored = decision
    return ignored


def _repository_top(directory: str) -> Optional[str]:
    current = directory
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in REPOSITORY_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _ancestor_ignore_files(root_real: str) -> Tuple[str, List[_IgnoreFile]]:
    """The walked directory's path from the repository top, and the ignore files above it."""
    top = _repository_top(root_real) or root_real
    chain = []
    current = root_real
    while True:
        chain.append(current)
        if current == top:
            break
        current = os.path.dirname(current)
    ignore_files: List[_IgnoreFile] = []
    exclude = _read_ignore_file(os.path.join(top, ".git", "info", "exclude"))
    if exclude:
        ignore_files.append(("", exclude))
    for directory in reversed(
        chain[1:]
    ):  # the walked directory's own is read by the walk
        globs = _read_ignore_file(os.path.join(directory, ".gitignore"))
        if globs:
            rel = os.path.relpath(directory, top).replace(os.sep, "/")
            ignore_files.append(("" if rel == "." else rel + "/", globs))
    top_prefix = os.path.relpath(root_real, top).replace(os.sep, "/")
    return ("" if top_prefix == "." else top_prefix + "/"), ignore_files


def skipped_dir(name: str) -> bool:
    return name in SKIPPED_DIRS or any(
        fnmatch.fnmatchcase(name, g) for g in SKIPPED_DIR_GLOBS
    )


def _join(parent: str, name: str) -> str:
    return name if parent in ("", ".") else os.path.join(parent, name)


class TreeWalker:
    def __init__(
        self,
        exclude: Sequence[str],
        include: Sequence[str],
        force_exclude: bool = False,
        root: Optional[str] = None,
    ) -> None:
        self.exclude = GlobPatterns(exclude)
        self.include = GlobPatterns(include)
        self.force_exclude = force_exclude and bool(self.exclude)
        self.root = os.path.abspath(root or os.getcwd())
        self.seen: Set[Tuple[int, int]] = set()

    def forced_out(self, path: str, is_dir: bool) -> bool:
        """--force-exclude: a path named on the command line that an exclude glob matches.

        The glob is matched against the path relative to the project root (the
        directory of the configuration file, else the working directory), and
        against each of its parent directories, as for a walked file.
        """
        if not self.force_exclude:
            return False
        rel = project_relative(path, self.root)
        parts = rel.split("/")
        for end in range(1, len(parts) + 1):
            last = end == len(parts)
            if self.exclude.matches("/".join(parts[:end]), is_dir or not last):
                return True
        return False

    def first_time(self, st: os.stat_result) -> bool:
        key = (st.st_dev, st.st_ino)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def explicit(self, path: str) -> Iterator[Discovered]:
        try:
            st = os.stat(path)
        except OSError as exc:
            yield DiscoveryError(path, os_error_reason(exc, path))
            return
        if self.forced_out(path, stat.S_ISDIR(st.st_mode)):
            return
        if stat.S_ISDIR(st.st_mode):
            yield from self.walk(path)
        elif not stat.S_ISREG(st.st_mode):
            yield DiscoveryError(path, "not a regular file")
        elif self.first_time(st):
            yield Candidate(path, kind_of(path) or PYTHON, explicit=True)

    def walk(self, root: str) -> Iterator[Discovered]:
        display_root = root.rstrip("/" + os.sep) or root
        root_real = os.path.realpath(root)
        top_prefix, ignore_files = _ancestor_ignore_files(root_real)
        # (display path, path relative to the walked root, ignore files in force)
        stack: List[Tuple[str, str, List[_IgnoreFile]]] = [
            (display_root, "", ignore_files)
        ]
        while stack:
            directory, rel_dir, ignores = stack.pop()
            subdirs = yield from self._scan(
                directory, rel_dir, ignores, root_real, top_prefix
            )
            stack.extend(reversed(subdirs))

    def _scan(self, directory, rel_dir, ignores, root_real, top_prefix):
        """Yield the directory's files; return its subdirectories to walk next."""
        try:
            with os.scandir(directory) as iterator:
                entries = sorted(iterator, key=lambda e: e.name)
        except OSError as exc:
            yield DiscoveryError(directory, os_error_reason(exc, directory))
            return []
        names = {entry.name for entry in entries}
        if rel_dir and VENV_MARKER in names:
            return []
        if ".gitignore" in names:
            globs = _read_ignore_file(os.path.join(directory, ".gitignore"))
            if globs:
                ignores = ignores + [(top_prefix + rel_dir, globs)]
        subdirs = []
        for entry in entries:
            rel = rel_dir + entry.name
            if entry.is_dir(follow_symlinks=False):
                if skipped_dir(entry.name) or self._pruned(
                    ignores, top_prefix, rel, True
                ):
                    continue
                subdirs.append((_join(directory, entry.name), rel + "/", ignores))
                continue
            kind = kind_of(rel)
            if kind is None or self._pruned(ignores, top_prefix, rel, False):
                continue
            if self.include and not self.include.matches(rel, False):
                continue
            yield from self._file(_join(directory, entry.name), entry, kind, root_real)
        return subdirs

    def _pruned(self, ignores, top_prefix, rel, is_dir) -> bool:
        return self.exclude.matches(rel, is_dir) or _is_ignored(
            ignores, top_prefix + rel, is_dir
        )

    def _file(
        self, path: str, entry: os.DirEntry, kind: str, root_real: str
    ) -> Iterator[Discovered]:
        try:
            st = entry.stat()  # follows a symbolic link
        except OSError as exc:
            yield DiscoveryError(path, os_error_reason(exc, path))
            return
        if stat.S_ISDIR(st.st_mode):
            return  # a symbolic link to a directory: not followed
        if not stat.S_ISREG(st.st_mode):
            return
        if entry.is_symlink():
            target = os.path.realpath(path)
            if os.path.commonpath([target, root_real]) != root_real:
                return
        if self.first_time(st):
            yield Candidate(path, kind)


def discover(
    paths: Iterable[str],
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    *,
    force_exclude: bool = False,
    root: Optional[str] = None,
    per_file_ignores: Sequence[Tuple[str, FrozenSet[str]]] = (),
) -> Iterator[Discovered]:
    """Candidates and errors for the given command-line paths, lazily, in a stable order.

    ``force_exclude`` applies the exclude globs to the paths themselves too;
    ``per_file_ignores`` (glob, codes) pairs, matched like exclude globs
    against the path relative to ``root``, set each candidate's ``ignore``.
    """
    walker = TreeWalker(exclude, include, force_exclude, root)
    ignores = [(GlobPatterns([glob]), codes) for glob, codes in per_file_ignores]
    for path in paths:
        for item in walker.explicit(path):
            if ignores and isinstance(item, Candidate):
                rel = project_relative(item.path, walker.root)
                codes = frozenset().union(
                    *(c for globs, c in ignores if globs.matches(rel, False))
                )
                if codes:
                    item = Candidate(item.path, item.kind, item.explicit, codes)
            yield item


def project_relative(path: str, root: str) -> str:
    """The path relative to the project root, with forward slashes (as given when outside it)."""
    absolute = os.path.abspath(path)
    try:
        inside = os.path.commonpath([absolute, root]) == root
    except ValueError:  # another drive on Windows
        inside = False
    rel = os.path.relpath(absolute, root) if inside else path
    return rel.replace(os.sep, "/")


# ------------------------------------------------------------ sharding


def read_files_from(stream: IO[str]) -> Iterator[str]:
    """Paths one a line, as ``git ls-files`` prints them; blank lines are skipped.

    Only the line ending is removed, so names with inner or trailing spaces
    survive; git's quoting of unusual names (``core.quotePath``) is undone.
    """
    for line in stream:
        path = line.rstrip("\r\n")
        if not path.strip():
            continue
        if len(path) >= 2 and path[0] == path[-1] == '"':
            path = _git_unquote(path[1:-1])
        yield path


_GIT_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13}


def _git_unquote(text: str) -> str:
    out = bytearray()
    i = 0
    raw = text.encode("utf-8", "surrogateescape")
    while i < len(raw):
        char = raw[i : i + 1]
        if char == b"\\" and i + 1 < len(raw):
            nxt = chr(raw[i + 1])
            if nxt in "01234567" and i + 3 < len(raw) + 1:
                out.append(int(raw[i + 1 : i + 4], 8))
                i += 4
                continue
            out.append(_GIT_ESCAPES.get(nxt, ord(nxt)))
            i += 2
            continue
        out += char
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_shard(text: str) -> Tuple[int, int]:
    """``K/N`` -> (K, N), with 1 <= K <= N; ValueError otherwise."""
    left, sep, right = text.partition("/")
    if not sep:
        raise ValueError("expected K/N, e.g. 1/4")
    k, n = int(left), int(right)
    if n < 1 or not 1 <= k <= n:
        raise ValueError("expected K/N with 1 <= K <= N")
    return k, n


def shard_of(path: str, count: int, root: str) -> int:
    """The shard (1..count) a path belongs to: a hash of its path from the project root.

    Stable across runs, machines and Python versions (no ``hash()``
    randomisation), and independent of which other files exist.
    """
    rel = project_relative(path, os.path.abspath(root))
    digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def indexed(
    items: Iterable[Discovered],
    shard: Optional[Tuple[int, int]] = None,
    root: Optional[str] = None,
) -> Iterator[Tuple[int, Discovered]]:
    """Each item with its position in discovery order; with ``shard`` (K, N), only shard K's."""
    base = os.path.abspath(root or os.getcwd())
    for index, item in enumerate(items):
        if shard is None or shard_of(item.path, shard[1], base) == shard[0]:
            yield index, item
