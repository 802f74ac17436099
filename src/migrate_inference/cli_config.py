"""The options of a run, from the command line and the configuration file: not the command.

`apply_pyproject` fills what the command line left out from ``--config FILE`` or
``[tool.migrate-inference]``; `build_config` turns the options into the engine's Config.
Nothing heavy is imported at module level (``--help`` stays fast).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

import click
from click.core import ParameterSource

# Options that make sense only on the command line.
NOT_CONFIGURABLE = frozenset(
    {
        "paths",
        "list_rules",
        "explain",
        "version",
        "help",
        "config",
        "isolated",
        "stdin_filename",
        "files_from",
        "shard",
        "output_file",
    }
)
# Keys of [tool.migrate-inference] that are not command-line options.
CONFIG_ONLY = frozenset({"per_file_ignores"})


class ConfigurationError(click.ClickException):
    """A bad [tool.migrate-inference]: reported without the usage text, exit status 2."""

    exit_code = 2


def apply_pyproject(ctx: click.Context, options: Dict[str, Any]) -> None:
    """Fill options not given on the command line from the configuration file.

    That is ``--config FILE``, else [tool.migrate-inference] of the nearest
    pyproject.toml; ``--isolated`` reads none.  The file's directory is the
    project root that exclude and per-file-ignores globs are relative to
    (else the working directory).
    """
    from migrate_inference.settings import (
        SettingsError,
        find_pyproject,
        load_config_file,
        load_pyproject_config,
    )

    options["root"] = os.getcwd()
    options["per_file_ignores"] = []
    if options["isolated"] and options["config"]:
        raise click.UsageError("--config and --isolated cannot be used together")
    if options["isolated"]:
        return
    try:
        if options["config"]:
            source: Any = os.path.abspath(options["config"])
            file_options = load_config_file(source)
        else:
            file_options = load_pyproject_config(os.getcwd())
            source = find_pyproject(os.getcwd())
    except SettingsError as exc:
        raise ConfigurationError(str(exc)) from exc
    if source is not None:
        options["root"] = os.path.dirname(str(source))
    if not file_options:
        return
    params = {param.name: param for param in ctx.command.params}
    if "no_progress" in file_options:  # the older spelling of progress = false
        value = file_options.pop("no_progress")
        if not isinstance(value, bool):
            raise ConfigurationError(f"{source}: no-progress must be true or false")
        file_options.setdefault("progress", not value)
    for key, value in file_options.items():
        if key == "per_file_ignores":
            options[key] = _per_file_ignores(value, source)
            continue
        param = params.get(key)
        if param is None or key in NOT_CONFIGURABLE:
            raise ConfigurationError(
                f"{source}: unknown option {key!r} in [tool.migrate-inference]"
            )
        converted = _convert(ctx, param, _normalise(key, value), source)
        if ctx.get_parameter_source(key) not in (
            ParameterSource.DEFAULT,
            ParameterSource.DEFAULT_MAP,
        ):
            if key == "extend_exclude":  # extend-exclude adds up, as in ruff
                options[key] = tuple(converted) + tuple(options[key])
            continue  # the command line wins
        options[key] = converted


def _per_file_ignores(value: Any, source: Any) -> List[Any]:
    """``{"tests/**" = ["MI9"], ...}`` -> [(glob, codes)]."""
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"{source}: per-file-ignores must be a table of glob = [codes]"
        )
    out = []
    for glob, codes in value.items():
        if isinstance(codes, str):
            codes = codes.split(",")
        if not isinstance(codes, (list, tuple)) or not all(
            isinstance(c, str) for c in codes
        ):
            raise ConfigurationError(
                f"{source}: per-file-ignores: {glob!r} must map to a list of codes"
            )
        try:
            ignored = parse_codes(",".join(codes), "per-file-ignores")
            from migrate_inference.config import Config

            problem = Config(ignore=ignored).coupling_problem()
            if problem:
                raise click.UsageError(f"{source}: per-file-ignores: {glob!r}: {problem}")
            out.append((str(glob), ignored))
        except click.UsageError as exc:
            raise ConfigurationError(f"{source}: {exc.message}") from exc
    return out


def _normalise(key: str, value: Any) -> Any:
    if key in ("select", "ignore") and isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    if key in ("exclude", "extend_exclude", "include") and isinstance(value, str):
        return [value]
    return value


def _convert(
    ctx: click.Context, param: click.Parameter, value: Any, source: Any
) -> Any:
    if param.multiple and not isinstance(value, (list, tuple)):
        raise ConfigurationError(f"{source}: {param.name} must be a list of strings")
    try:
        return param.type_cast_value(ctx, value)
    except click.BadParameter as exc:
        raise ConfigurationError(
            f"{source}: invalid value for {param.name!r}: {exc.message}"
        ) from exc


def parse_codes(value: Optional[str], option: str) -> frozenset:
    from migrate_inference.rules import RULES, non_rule_codes
    from migrate_inference.to_openai.codes import (
        REVERSE_DEPENDENCY_CODES,
        REVERSE_RULES,
    )

    known = (
        [rule.code for rule in RULES]
        + [rule.code for rule in REVERSE_RULES]
        + list(non_rule_codes())
        + list(REVERSE_DEPENDENCY_CODES)
    )
    codes = frozenset(
        code.strip().upper() for code in (value or "").split(",") if code.strip()
    )
    for code in sorted(codes):
        if not any(k.startswith(code) for k in known):
            raise click.UsageError(
                f"{option}: unknown rule code {code!r} (see --list-rules)"
            )
    return codes


def build_config(options: Dict[str, Any]) -> Any:
    from migrate_inference.config import Config

    fields = {
        name: options[name]
        for name in (
            "endpoint_style",
            "credential",
            "api_version",
            "endpoint_env",
            "key_env",
            "embeddings_endpoint_env",
            "embeddings_key_env",
        )
        if options[name] is not None
    }
    if options.get("to") is not None:
        fields["target"] = options["to"]
    config = Config(
        select=parse_codes(options["select"], "--select"),
        ignore=parse_codes(options["ignore"], "--ignore"),
        **fields,
    ).normalized()
    problem = config.coupling_problem()
    if problem:
        raise click.UsageError(problem)
    return config
