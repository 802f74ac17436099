"""Rewritten code matches its surroundings: black-clean stays black-clean; other files are not reformatted."""

from __future__ import annotations

import black

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

BLACK_CLEAN = """import os

import openai

openai.api_key = os.getenv("OPENAI_API_KEY")


def ask(question):
    response = openai.ChatCompletion.create(
        model="gpt-3.5-turbo",
        messages=[{"role": "user", "content": question}],
        n=2,
        user="someone-with-a-rather-long-identifier",
    )
    return response["choices"][0]["message"]["content"]
"""

NOT_BLACK = """import os
import openai
openai.api_key=os.getenv('OPENAI_API_KEY')
CONFIG = { 'a':1,
   'b' : 2 }
def ask(question):
    response = openai.ChatCompletion.create(model='gpt-3.5-turbo', messages=[{'role':'user','content':question}])
    return response['choices'][0]['message']['content']
"""


def test_black_clean_input_gives_black_clean_output():
    assert black.format_str(BLACK_CLEAN, mode=black.Mode()) == BLACK_CLEAN
    result = migrate_source(BLACK_CLEAN, Config(), "clean.py")
    assert result.changed
    assert black.format_str(result.code, mode=black.Mode()) == result.code


def test_other_input_is_not_reformatted_wholesale():
    result = migrate_source(NOT_BLACK, Config(), "messy.py")
    assert result.changed
    # lines the rules do not touch keep their own style
    assert "CONFIG = { 'a':1,\n   'b' : 2 }\n" in result.code
    assert "messages=[UserMessage(content=question)]" in result.code
    assert black.format_str(result.code, mode=black.Mode()) != result.code
