"""measure.py's counting, on small texts (always runs: no corpus needed)."""

from __future__ import annotations

import measure


def test_counts_migrated_todo_and_silent():
    before = (
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "a = client.chat.completions.create(model='m', messages=[])\n"
        "b = client.embeddings.create(model='e', input=['x'])\n"
        "c = client.images.generate(prompt='p')\n"
    )
    after = (
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "a = chat.complete(messages=[])\n"
        "# TODO(migrate-inference): check this [MI110]\n"
        "b = embedder.embed(input=['x'])\n"
        "c = client.images.generate(prompt='p')\n"
    )
    count = measure.count_file("x.py", before, after, [], False)
    assert (count.sites, count.migrated, count.migrated_todo, count.migrated_clean) == (3, 2, 1, 1)
    assert (count.todo, count.silent, count.silent_lines) == (0, 1, [6])
    assert count.no_equivalent == 1  # images.generate stays on OpenAI whatever is done
    noted = after.replace("c = client", "# TODO(migrate-inference): images [MI910]\nc = client")
    count = measure.count_file("x.py", before, noted, [], False)
    assert (count.todo, count.silent) == (1, 0)


def test_unparseable_output_and_other_libraries():
    before = "from groq import Groq\nGroq().chat.completions.create(model='m', messages=[])\n"
    count = measure.count_file("x.py", before, before + "(\n", [], False)
    assert count.unparseable and count.sites == 0  # a look-alike library's call
    mixed = "from openai import OpenAI\n" + before
    assert measure.count_file("z.py", mixed, mixed + "(\n", [], False).sites == 1
    weak = "def f(api):\n    return api.models.list()\n"
    assert measure.count_file("y.py", weak, weak, [], False).sites == 0


def test_sites_with_no_equivalent():
    before = (
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "client.chat.completions.create(model='m', messages=[])\n"
        "client.beta.chat.completions.parse(model='m', messages=[])\n"
        "client.chat.completions.with_raw_response.create(model='m', messages=[])\n"
        "client.responses.create(model='m', input='x')\n"
        "client.embeddings.create(model='e', input=['x'])\n"
    )
    count = measure.count_file("x.py", before, before, [], False)
    assert (count.sites, count.no_equivalent) == (5, 3)
