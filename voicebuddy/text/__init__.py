"""Text utilities: sentence splitting for streamed replies."""
