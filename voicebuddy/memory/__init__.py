"""Long-term memory: facts about the user, per character, kept, recalled and forgotten."""
