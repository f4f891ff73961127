"""Engines behind small Protocols: speech-to-text, chat model, text-to-speech."""
