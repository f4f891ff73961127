"""Audio in and out: files, microphone capture, speaker playback."""
