import os

import openai

openai.api_key = os.getenv("OPENAI_API_KEY")


def summarize(text, model="gpt-3.5-turbo"):
    completion = openai.ChatCompletion.create(
        model="gpt-3.5-turbo",
        messages=[
            {"role": "system", "content": "Summarize in three bullet points."},
            {"role": "user", "content": text},
        ],
        logit_bias={"50256": -100},
    )
    print("finished:", completion.choices[0].finish_reason, "at", completion.created)
    return completion.choices[0].message["content"]
