"""Characters: who the model speaks as, and how the prompt is assembled."""
