"""The translate stage: trace → natural-language reasoning through an OpenAI-compatible server (vLLM)."""
