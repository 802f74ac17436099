"""MI900 out_of_scope: OpenAI APIs that azure-ai-inference does not cover are flagged, not guessed.

Legacy text completions (`openai.Completion.create`), images, audio, files,
fine-tuning, moderation, model listing: the call stays as it is, with a TODO, and
the module keeps its `import openai` and the configuration those calls need.
"""

from __future__ import annotations

import libcst as cst

from migrate_inference.rules.base import RuleState

CODE = "MI900"
NAME = "out_of_scope"
DOC_EXAMPLE = "legacy_completion_with_chat"
WHEN_TODO = "Always: every call of an OpenAI API with no azure-ai-inference equivalent gets a TODO."


class OutOfScopeRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.out_of_scope = state.facts.out_of_scope

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        name = self.out_of_scope.get(original)
        if name is not None and not self.ctx.suppressed(CODE):
            self.ctx.todo(
                CODE,
                original,
                f"{name} is not migrated: it has no azure-ai-inference equivalent",
            )
        return updated
