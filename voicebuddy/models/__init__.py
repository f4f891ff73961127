"""Default models and the CTranslate2 -> whisper.cpp converter."""
