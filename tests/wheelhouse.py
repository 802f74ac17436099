"""A local wheelhouse for installing this project where no package index is reachable.

``build_wheelhouse(directory)`` writes one wheel per distribution that
``pip install .`` of this project needs (its runtime dependencies and theirs,
as installed in the running interpreter, whether that is a virtual
environment or not) plus the build backend, so that pip with ``--no-index
--find-links DIRECTORY`` installs the project offline.

Installed distributions are packed back into wheels from the files their
``RECORD`` lists (scripts outside site-packages are left out: pip writes
console scripts again from ``entry_points.txt``).  A distribution that cannot
be packed (not installed, or installed without a ``RECORD``) raises
``Unavailable`` with the reason, for a test to skip on.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# Left out of a packed wheel: pip writes them at install time.
_INSTALL_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


class Unavailable(Exception):
    """Some distribution the project needs cannot be put into the wheelhouse."""


def project_requirements() -> List[Requirement]:
    """[project] dependencies and [build-system] requires of this checkout's pyproject.toml."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python < 3.11
        import tomlkit as tomllib  # type: ignore[no-redef]
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [
        Requirement(text)
        for text in [
            *data["project"]["dependencies"],
            *data["build-system"]["requires"],
        ]
    ]


def build_wheelhouse(directory: Path) -> List[Path]:
    """Wheels for every distribution installing this project needs; raises Unavailable."""
    directory.mkdir(parents=True, exist_ok=True)
    wheels = []
    for requirement in _closure(project_requirements()):
        wheels.append(_wheel_for(requirement, directory))
    return wheels


def _closure(requirements: Iterable[Requirement]) -> List[Requirement]:
    environment = default_environment()
    environment["extra"] = ""
    todo = list(requirements)
    seen: Dict[str, Requirement] = {}
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate(
            environment
        ):
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen[name] = requirement
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # reported by _wheel_for, unless a bundled wheel exists
        todo.extend(Requirement(text) for text in dist.requires or ())
    return [seen[name] for name in sorted(seen)]


def _wheel_for(requirement: Requirement, directory: Path) -> Path:
    if canonicalize_name(requirement.name) == "setuptools":
        bundled = _bundled_setuptools(requirement)
        if bundled is not None:
            return Path(shutil.copy(bundled, directory))
    try:
        dist = metadata.distribution(requirement.name)
    except metadata.PackageNotFoundError:
        raise Unavailable(
            f"{requirement.name} is not installed in {sys.prefix}"
        ) from None
    if not requirement.specifier.contains(dist.version, prereleases=True):
        raise Unavailable(
            f"{requirement} is needed, {dist.metadata['Name']} {dist.version} is installed"
        )
    return pack_installed(dist, directory)


def _bundled_setuptools(requirement: Requirement) -> Optional[Path]:
    """The newest setuptools wheel virtualenv carries (it seeds environments with it)."""
    try:
        import virtualenv
    except ImportError:
        return None
    embed = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
    best = None
    for wheel in embed.glob("setuptools-*-py3-none-any.whl"):
        version = Version(wheel.name.split("-")[1])
        if requirement.specifier.contains(version) and (
            best is None or version > best[0]
        ):
            best = (version, wheel)
    return best[1] if best else None


def pack_installed(dist: metadata.Distribution, directory: Path) -> Path:
    """One wheel holding an installed distribution's files, as pip would install them."""
    files = dist.files
    if files is None:
        raise Unavailable(
            f"{dist.metadata['Name']} {dist.version} has no RECORD to pack it from"
        )
    dist_info = next(
        (
            f.parent
            for f in files
            if f.name == "METADATA" and f.parent.name.endswith(".dist-info")
        ),
        None,
    )
    if dist_info is None:
        raise Unavailable(f"{dist.metadata['Name']} {dist.version} has no .dist-info")
    members = []
    for file in files:
        parts = file.parts
        if ".." in parts or "__pycache__" in parts or file.suffix == ".pyc":
            continue
        if file.parent == dist_info and file.name in _INSTALL_FILES:
            continue
        source = Path(str(dist.locate_file(file)))
        if source.is_file():
            members.append((file.as_posix(), source))
    wheel_text = _read_member(members, f"{dist_info.as_posix()}/WHEEL")
    if wheel_text is None:
        wheel_text = _wheel_metadata(members)
        members.append((f"{dist_info.as_posix()}/WHEEL", None))
    tags = re.findall(r"^Tag: (\S+)$", wheel_text, re.M)
    if not tags:
        raise Unavailable(f"{dist_info.name}/WHEEL names no tag")
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    path = directory / f"{name}-{dist.version}-{_compressed(tags)}.whl"
    record: List[str] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for arcname, source in members:
            data = wheel_text.encode() if source is None else source.read_bytes()
            archive.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            record.append(
                f"{arcname},sha256={digest.rstrip(b'=').decode()},{len(data)}"
            )
        record_name = f"{dist_info.as_posix()}/RECORD"
        record.append(f"{record_name},,")
        archive.writestr(record_name, "\n".join(record) + "\n")
    return path


def _compressed(tags: List[str]) -> str:
    """The file-name form of a wheel's tags: ``py2.py3-none-any`` for two tags."""
    columns: List[List[str]] = [[], [], []]
    for tag in tags:
        for column, part in zip(columns, tag.split("-")):
            if part not in column:
                column.append(part)
    return "-".join(".".join(column) for column in columns)


def _read_member(members, arcname: str) -> Optional[str]:
    for name, source in members:
        if name == arcname and source is not None:
            return source.read_text(encoding="utf-8")
    return None


def _wheel_metadata(members) -> str:
    """A WHEEL file for a distribution installed without one (not by pip)."""
    from packaging.tags import sys_tags

    native = any(name.endswith((".so", ".pyd", ".dylib")) for name, _ in members)
    tag = str(next(iter(sys_tags()))) if native else "py3-none-any"
    purelib = "false" if native else "true"
    return (
        "Wheel-Version: 1.0\nGenerator: migrate-inference tests\n"
        f"Root-Is-Purelib: {purelib}\nTag: {tag}\n"
    )


def pip_offline_env(wheelhouse: Path) -> Dict[str, str]:
    """Environment variables that make pip install from the wheelhouse only, ignoring any pip configuration."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
