"""Golden fixtures of `--to openai`: fixtures/to_openai/<rule>/<case>.before.py -> .after.py; .noop.py stays.

Every case runs with ``Config(target="openai")`` (a first line
``# fixture-options: key=value`` adds other Config fields).  A rewrite must parse,
change the file, add no undefined name (the engine's verification) and be
idempotent; a leave-alone case must come back byte for byte.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from fixture_cases import options, read
from migrate_inference.engine import migrate_source, undefined_names
from migrate_inference.findings import ERROR

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "to_openai"


def _cases(pattern):
    return sorted(ROOT.glob(f"*/{pattern}"))


def _config(source):
    return replace(options(source), target="openai")


def _id(path):
    return f"{path.parent.name}/{path.name.split('.')[0]}"


@pytest.mark.parametrize("before", _cases("*.before.py"), ids=_id)
def test_rewrite(before):
    source = read(before)
    after = before.with_name(before.name.replace(".before.py", ".after.py"))
    assert after.exists(), f"{_id(before)} has no reviewed .after.py"
    config = _config(source)
    result = migrate_source(source, config, str(before))
    assert result.error is None, result.error
    assert result.code == read(after)
    assert result.code != source, "a .before fixture must change; use .noop.py"
    ast.parse(result.code)
    assert not undefined_names(result.code) - undefined_names(source)
    again = migrate_source(result.code, config, str(after))
    assert again.code == result.code, "a second run must change nothing"


@pytest.mark.parametrize("noop", _cases("*.noop.py"), ids=_id)
def test_leave_alone(noop):
    source = read(noop)
    result = migrate_source(source, _config(source), str(noop))
    assert result.code == source
    assert not [f for f in result.findings if f.kind == ERROR]


def test_every_rule_has_rewrites_and_leave_alone_cases():
    from migrate_inference.to_openai.codes import REVERSE_RULES

    for rule in REVERSE_RULES:
        folder = ROOT / rule.name
        assert list(folder.glob("*.before.py")), f"{rule.name} has no rewrite fixtures"
        assert list(
            folder.glob("*.noop.py")
        ), f"{rule.name} has no leave-alone fixtures"


# Each row of the reverse table (issue 15) -> (rewrite cases, leave-alone cases).
TABLE_ROWS = {
    "client, endpoint, key, api_version": (
        ["openai_clients/key_env_models", "openai_clients/deployment_literal_api_version"],
        ["openai_clients/local_class", "openai_clients/other_library"],
    ),
    "Entra ID credential and credential_scopes": (
        ["openai_clients/entra_scopes", "openai_clients/entra_default_scope", "openai_clients/local_token_credential"],
        ["openai_clients/token_credential_other_client", "openai_clients/already_openai"],
    ),
    "aio clients, aio token provider": (
        ["openai_clients/aio_entra", "openai_clients/aio_sync_credential", "openai_clients/local_async_token_credential", "openai_clients/local_credential_wrong_flavour"],
        ["openai_clients/already_openai"],
    ),
    "model= on every call": (
        ["openai_chat/model_from_everywhere"],
        ["openai_chat/look_alike_complete"],
    ),
    "client-level defaults": (
        ["openai_chat/client_defaults_copied", "openai_chat/non_portable_default"],
        ["openai_chat/look_alike_defaults_and_extras"],
    ),
    "message classes and content items": (
        ["openai_messages/all_roles_and_tools_round_trip", "openai_messages/content_items"],
        ["openai_messages/message_classes_without_client"],
    ),
    "model_extras": (
        ["openai_chat/model_extras_split", "openai_chat/body_dict"],
        ["openai_chat/look_alike_defaults_and_extras"],
    ),
    "response_format": (
        ["openai_request_models/json_schema_and_tool_choice", "openai_request_models/response_format_variable"],
        ["openai_request_models/tool_models_without_client"],
    ),
    "tool definitions and choices": (
        ["openai_request_models/json_schema_and_tool_choice"],
        ["openai_request_models/tool_models_without_client"],
    ),
    "mapping access": (
        ["openai_responses/mapping_reads_and_enums"],
        ["openai_responses/dict_reads_elsewhere", "openai_responses/other_library_stream"],
    ),
    "created": (
        ["openai_responses/mapping_reads_and_enums"],
        ["openai_responses/other_library_stream"],
    ),
    "enum members": (
        ["openai_responses/mapping_reads_and_enums"],
        ["openai_request_models/enums_without_client"],
    ),
    "streaming guard": (
        ["openai_responses/streaming", "openai_responses/async_streaming", "openai_responses/stream_already_guarded"],
        ["openai_responses/other_library_stream", "openai_clients/already_openai"],
    ),
    "as_dict": (
        ["openai_responses/mapping_reads_and_enums"],
        ["openai_responses/other_library_stream"],
    ),
    "timeouts, retries, headers": (
        ["openai_clients/self_attribute_transport", "roundtrip/v1_clients_timeout_retries_headers"],
        ["openai_clients/already_openai"],
    ),
    "exceptions": (
        ["openai_errors/status_checks", "openai_errors/entra_keeps_credential_errors"],
        ["openai_errors/unrelated_azure_errors"],
    ),
    "embeddings": (
        ["openai_embeddings/basic", "openai_embeddings/input_type_todo", "openai_embeddings/body_dict"],
        ["openai_embeddings/other_embed"],
    ),
    "no equivalent": (
        ["openai_no_equivalent/no_equivalent_apis", "openai_no_equivalent/get_model_info"],
        ["openai_no_equivalent/similar_names"],
    ),
    "serverless, managed-compute and GitHub Models endpoints": (
        ["openai_clients/serverless_endpoint", "openai_clients/managed_compute_endpoint", "openai_clients/github_models"],
        ["openai_clients/endpoint_strings"],
    ),
}


@pytest.mark.parametrize("row", sorted(TABLE_ROWS))
def test_every_table_row_has_rewrite_and_leave_alone_fixtures(row):
    rewrites, noops = TABLE_ROWS[row]
    assert rewrites and noops
    for case in rewrites:
        assert (ROOT / f"{case}.before.py").exists(), case
        assert (ROOT / f"{case}.after.py").exists(), case
    for case in noops:
        assert (ROOT / f"{case}.noop.py").exists(), case
    # (dependency files: fixtures/to_openai/dependencies/, tests/test_to_openai_deps.py)
