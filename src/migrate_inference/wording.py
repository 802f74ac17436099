"""Small helpers that keep the tool's messages grammatical and precise."""

from __future__ import annotations

# Words whose first letter is a vowel but whose sound is not (and the reverse).
_CONSONANT_SOUND = ("one", "uni", "use", "user", "url")
_VOWEL_SOUND = ("hour", "http", "html", "sdk", "llm", "mi")


def with_article(word: str) -> str:
    """`word` with "a" or "an" in front, by how it is read ("an EmbeddingsClient")."""
    bare = word.strip("`'\"").lower()
    if bare.startswith(_VOWEL_SOUND):
        return f"an {word}"
    if bare.startswith(_CONSONANT_SOUND):
        return f"a {word}"
    return f"{'an' if bare[:1] in 'aeiou' else 'a'} {word}"


def target_call(kind: str) -> str:
    """The azure-ai-inference method a migrated call of this kind becomes."""
    return ".embed(...)" if kind == "embeddings" else ".complete(...)"


def quoted_list(names: "list[str]") -> str:
    """`a`, `b` and `c`."""
    shown = [f"`{name}`" for name in names]
    if len(shown) < 2:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def unknown_parameters_note(names: "list[str]") -> str:
    """The TODO for keywords the mapping table does not know (sent in model_extras)."""
    if len(names) == 1:
        return (
            f"unknown parameter {quoted_list(names)} is sent in model_extras; check that "
            "the endpoint accepts it"
        )
    return (
        f"unknown parameters {quoted_list(names)} are sent in model_extras; check that "
        "the endpoint accepts them"
    )
