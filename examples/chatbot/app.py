"""A small support bot, written against the OpenAI Python SDK 0.28 (Azure OpenAI)."""
import os

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")

SYSTEM_PROMPT = "You are a friendly support agent for Contoso. Answer in two sentences."


def answer(question, history=None):
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    messages.append({"role": "user", "content": question})
    response = openai.ChatCompletion.create(
        engine="gpt-35-turbo",
        messages=messages,
        temperature=0.2,
        max_tokens=200,
        stop="\n\n",
        n=1,
        user="support-bot",
        request_timeout=30,
    )
    print("tokens used:", response["usage"]["total_tokens"])
    return response["choices"][0]["message"]["content"]


def stream_answer(question):
    for chunk in openai.ChatCompletion.create(
        engine="gpt-35-turbo",
        messages=[{"role": "user", "content": question}],
        stream=True,
    ):
        print(chunk["choices"][0]["delta"].get("content", ""), end="", flush=True)
    print()


if __name__ == "__main__":
    print(answer("How do I reset my password?"))
    stream_answer("Tell me a joke about routers.")
