"""`--to openai`: azure-ai-inference code to the openai SDK on Azure's /openai/v1/ endpoint.

The reverse rule pack, on the same engine as the forward one:

* ``codes.py``: its rule codes (MI5xx), registered for ``--list-rules``,
  ``--explain``, ``--select``/``--ignore`` and SARIF;
* ``mapping.py``: where each azure-ai-inference keyword goes, as data;
* ``plan.py``: per client component, all or nothing, every edit or the blockers;
* ``rewrite.py``: carries out the plan in one LibCST pass;
* ``pack.py``: ``migrate_module(module, config)``, which the engine calls when
  ``Config.target == "openai"``;
* ``deps.py``: dependency files, ``azure-ai-inference`` to ``openai>=1.106``.

This module imports nothing heavy, so the CLI can read the codes cheaply.
"""
