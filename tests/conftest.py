import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _index_cache(tmp_path_factory, monkeypatch):
    """The project index caches into a temporary directory, never the user's cache."""
    monkeypatch.setenv(
        "MIGRATE_INFERENCE_CACHE_DIR",
        str(tmp_path_factory.getbasetemp() / "index-cache"),
    )
