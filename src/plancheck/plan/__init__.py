"""The plan file: its pydantic models, loading and checking it, its JSON Schema."""
