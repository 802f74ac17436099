"""A file's bytes and text: decoded as Python decodes it, encoded back the same way,
diffed, and written in one step (a temporary file moved over the original).
"""

from __future__ import annotations

import difflib
import io
import os
import stat
import tempfile
import tokenize
from typing import Tuple

from migrate_inference.discover import PYTHON, os_error_reason

TEMP_SUFFIX = ".migrate-inference.tmp"


class FileFailure(Exception):
    """A reason to give up on one file (reading, decoding, writing)."""




def decode_source(data: bytes, kind: str = PYTHON) -> Tuple[str, str]:
    """The text and the encoding to write it back with ('utf-8-sig' keeps a BOM).

    Python files follow PEP 263 (BOM, coding cookie, else UTF-8); the other
    kinds are UTF-8 with an optional BOM.  Line endings are left alone.
    """
    if kind == PYTHON:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            raise FileFailure(f"cannot decode: {exc.msg or exc}") from exc
    else:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode(encoding), encoding
    except LookupError as exc:
        raise FileFailure(f"cannot decode: unknown encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise FileFailure(
            f"cannot decode as {encoding}: byte 0x{bad} at line {line} ({exc.reason})"
        ) from exc


def encode_source(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise FileFailure(
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
        raise FileFailure(os_error_reason(exc, path)) from exc
    if (now.st_mtime_ns, now.st_size, now.st_ino) != tuple(before):
        raise FileFailure("file changed while it was being migrated; left as it is")
    directory, name = os.path.split(target)
    try:
        fd, temp_path = tempfile.mkstemp(
            prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=directory
        )
    except OSError as exc:
        raise FileFailure(f"cannot write: {os_error_reason(exc, directory)}") from exc
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
            raise FileFailure(f"cannot write: {os_error_reason(exc, path)}") from exc
        raise
