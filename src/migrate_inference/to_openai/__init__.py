"""`--to openai`: azure-ai-inference code to the openai SDK on Azure's /openai/v1/ endpoint.

The reverse rule pack, on the same engine as the forward one:

* ``codes.py``: its rule codes (MI5xx), registered for ``--list-rules``,
  ``--explain``, ``--select``/``--ignore`` and SARIF;
* ``mapping.py``: where each azure-ai-inference keyword goes, as data;
* ``plan.py``: per client component, all or nothing, every edit or the blockers
  (its parts in ``plan_clients.py``, ``plan_uses.py``, ``plan_calls.py``,
  ``plan_responses.py``; the plan's data in ``component.py``);
* ``rewrite.py``: carries out the plan in one LibCST pass (with
  ``rewrite_calls.py`` and the node builders of ``nodes.py``);
* ``pack.py``: ``migrate_module(module, config)``, which the engine calls when
  ``Config.target == "openai"`` (the ``except`` clauses: ``pack_errors.py``);
* ``shared.py``: clients shared across the files of a project;
* ``deps.py``: dependency files, ``azure-ai-inference`` to ``openai>=1.106``.

This module imports nothing heavy, so the CLI can read the codes cheaply.
"""
