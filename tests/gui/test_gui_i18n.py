"""The window in Simplified Chinese: the translation files are complete and fresh, and the
language follows `[ui] language` or, when that is empty, the system locale.

Set VOICEBUDDY_SCREENSHOTS=DIR to save a picture of the Chinese window into DIR.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ast
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import PySide6
import pytest
from fake_devices import FakeDevices
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeSTT, FakeTTS
from voicebuddy.gui import i18n
from voicebuddy.gui.character_picker import CharacterPicker
from voicebuddy.gui.history_dialog import HistoryDialog
from voicebuddy.gui.launch import create_window
from voicebuddy.gui.main_window import WHISPER_LANGUAGES, MainWindow
from voicebuddy.gui.settings_dialog import SettingsChoices, SettingsDialog, language_label
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.runtime.engines import EngineLoaders

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "voicebuddy" / "gui"
TS = i18n.TRANSLATIONS_DIR / "voicebuddy_zh_CN.ts"
QM = TS.with_suffix(".qm")
QT_TOOLS = Path(PySide6.__file__).resolve().parent  # lupdate and lrelease, as pyside6-* run them
# The same extraction as `make translations` (without writing into the committed file).
LUPDATE_ARGS = ("-extensions", "py", "-no-obsolete", "-locations", "none")
FIX = "run `make translations`, translate what it leaves unfinished, run it again"

# CJK ideographs and punctuation, and the full-width forms (，：（）).
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


# --- the translation files ------------------------------------------------------------------


def ts_messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source text) -> <message> of a .ts file."""
    root = ET.parse(path).getroot()
    return {
        (context.findtext("name", ""), message.findtext("source", "")): message
        for context in root.iter("context")
        for message in context.iter("message")
    }


def translations(message: ET.Element) -> list[str]:
    """The translation, or each plural form of it."""
    translation = message.find("translation")
    assert translation is not None
    forms = translation.findall("numerusform")
    return [form.text or "" for form in forms] if forms else [translation.text or ""]


def test_every_text_of_the_window_is_in_the_ts_file_and_translated(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        [QT_TOOLS / "lupdate", *LUPDATE_ARGS, str(GUI), "-ts", str(fresh)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    in_source = set(ts_messages(fresh))
    assert len(in_source) > 150, "lupdate found the texts of voicebuddy/gui"
    ours = ts_messages(TS)
    missing = sorted(in_source - set(ours))
    assert not missing, f"texts missing from {TS.name} ({FIX}): {missing}"
    stale = sorted(set(ours) - in_source)
    assert not stale, f"{TS.name} has texts the code no longer has ({FIX}): {stale}"
    unfinished = sorted(
        key
        for key, message in ours.items()
        if message.find("translation").get("type")  # type: ignore[union-attr]
        or not all(translations(message))
    )
    assert not unfinished, f"untranslated in {TS.name} ({FIX}): {unfinished}"


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%[0-9n]", text))


def test_translations_keep_placeholders_and_shortcut_letters_and_are_chinese() -> None:
    for (context, source), message in ts_messages(TS).items():
        for text in translations(message):
            where = f"{context}: {source!r} -> {text!r}"
            assert placeholders(source) == placeholders(text), where
            if re.search(r"&[^&\s]", source.replace("&&", "")):  # a mnemonic: Alt+letter
                assert re.search(r"\(&[A-Z]\)", text), where
            assert CHINESE.search(text) or re.fullmatch(r"%1 MB", text), where


def test_the_committed_qm_is_what_lrelease_makes_of_the_ts(tmp_path: Path) -> None:
    made = tmp_path / "made.qm"
    subprocess.run(
        [QT_TOOLS / "lrelease", str(TS), "-qm", str(made)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert QM.read_bytes() == made.read_bytes(), f"{QM.name} is stale: run `make translations`"
    translator = QTranslator()
    assert translator.load(str(QM))
    assert translator.translate("TalkState", "Ready") == "就绪"


def test_translated_texts_are_literals_lupdate_can_read() -> None:
    """lupdate reads only string literals: an f-string, `+` or `%` inside tr() is lost."""
    found = []
    for path in sorted(GUI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            position = {"tr": 0, "translate": 1, "QT_TRANSLATE_NOOP": 1}.get(name)
            if position is None or len(node.args) <= position:
                continue
            text = node.args[position]
            formatted = isinstance(text, ast.Call) and getattr(text.func, "attr", "") == "format"
            if isinstance(text, ast.JoinedStr | ast.BinOp) or formatted:
                found.append(f"{path.name}:{node.lineno}")
    assert not found, f"use %1 and i18n.arg() instead of formatting inside tr(): {found}"


def test_arg_fills_all_placeholders_at_once() -> None:
    assert i18n.arg("%1 and %2", "50%2", 7) == "50%2 and 7"
    assert i18n.arg("%1 left: %3", "x") == "x left: %3"


# --- choosing the language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "system", "expected"),
    [
        ("", "zh_CN", "zh_CN"),
        ("", "zh_TW", "zh_CN"),  # Traditional Chinese falls back to Simplified for now
        ("", "zh_HK", "zh_CN"),
        ("", "en_GB", "en"),
        ("", "fr_FR", "en"),  # no French: English
        ("", "C", "en"),
        ("en", "zh_CN", "en"),  # the setting wins over the system
        ("zh_CN", "en_US", "zh_CN"),
        ("de", "zh_CN", "zh_CN"),  # a language we do not have follows the system
    ],
)
def test_language_for(setting: str, system: str, expected: str) -> None:
    assert i18n.language_for(setting, QLocale(system)) == expected


# What the window's first widgets say, for each setting, in a fresh process: QLocale.system()
# reads the locale environment when Qt first uses it, so it is set before Python starts.
PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
from voicebuddy.gui import i18n
from voicebuddy.gui.talk_panel import TalkPanel

app = QApplication(sys.argv[:1])
seen = {}
for setting in ("", "en", "zh_CN"):
    language = i18n.install(app, setting)
    panel = TalkPanel("Space")
    seen[setting] = [language, panel.talk_button.text(), panel.state_label.text()]
print(json.dumps(seen))
"""
ENGLISH_PANEL = ["en", "Hold to talk  (Space)", "Loading models…"]
CHINESE_PANEL = ["zh_CN", "按住说话（Space）", "正在加载模型…"]


@pytest.mark.parametrize(
    ("lang", "system_panel"),
    [
        ("zh_CN.UTF-8", CHINESE_PANEL),
        ("zh_TW.UTF-8", CHINESE_PANEL),
        ("de_DE.UTF-8", ENGLISH_PANEL),
    ],
)
def test_an_empty_setting_follows_the_system_locale(lang: str, system_panel: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANGUAGE"))}
    env.update(LANG=lang, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"": system_panel, "en": ENGLISH_PANEL, "zh_CN": CHINESE_PANEL}


# --- the window -----------------------------------------------------------------------------


@pytest.fixture
def language(qapp: QApplication) -> Iterator[Callable[[str], str]]:
    """use(setting) installs the translators for `setting`; English again afterwards."""
    yield lambda setting: i18n.install(qapp, setting)
    i18n.remove(qapp)


@pytest.fixture
def open_window(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[[], MainWindow]]:
    windows: list[MainWindow] = []

    def open_() -> MainWindow:
        paths = Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
        loaders = EngineLoaders(
            chat=lambda s, p: FakeChat("Hi."),
            stt=lambda s, p: FakeSTT(),
            tts=lambda v, r: FakeTTS(),
        )
        window = create_window(Settings(), paths, loaders, FakeDevices())
        windows.append(window)
        window.show()
        qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=10_000)
        return window

    yield open_
    for window in windows:  # closed explicitly: the engine thread must stop first
        window.close()


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def english_left(root: QWidget, skip: tuple[QWidget, ...] = ()) -> list[str]:
    """The texts in `root` with letters and no Chinese: labels, buttons, group and tab titles,
    placeholders, tool tips, menus and their actions. `skip`: widgets showing data (names,
    messages, model descriptions), with everything inside them."""

    def skipped(widget: QWidget) -> bool:
        return any(widget is s or s.isAncestorOf(widget) for s in skip)

    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if skipped(widget):
            continue
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        if isinstance(widget, QAbstractSpinBox):
            texts += [widget.specialValueText(), getattr(widget, "suffix", str)()]
        for action in widget.actions():
            texts += [action.text(), action.toolTip(), action.statusTip()]
            menu = action.menu()
            if isinstance(menu, QMenu):
                for item in menu.actions():
                    texts += [item.text(), item.toolTip(), item.statusTip()]
    allowed = re.compile(r"(VoiceBuddy|MB|English)")  # a name, a unit, a language's own name
    return sorted(
        {t for t in texts if re.search("[A-Za-z]", allowed.sub("", t)) and not CHINESE.search(t)}
    )


def test_the_window_speaks_chinese_with_zh_cn(
    qtbot: QtBot,
    tmp_path: Path,
    language: Callable[[str], str],
    open_window: Callable[[], MainWindow],
) -> None:
    assert language("zh_CN") == "zh_CN"
    window = open_window()
    assert window.talk.talk_button.text() == "按住说话（Space）"
    assert window.talk.state_label.text() == "就绪"
    assert menu_titles(window) == ["对话(&C)", "角色(&H)", "设置(&S)"]
    assert window.new_action.text() == "新建对话(&N)"
    assert window.new_action.toolTip() == "与此角色开始新的对话 (Ctrl+N)"
    buttons = [b.text() for b in window.view.bubbles[0].findChildren(QAbstractButton)]
    assert buttons[:2] == ["思考过程", "复制"]  # the first is shown under a reasoning model only
    bubble_texts = [w for b in window.view.bubbles for w in (b.speaker, b.body)]
    data = (window.character_name, window.figures.models, *bubble_texts)
    assert english_left(window, skip=data) == []
    folder = os.environ.get("VOICEBUDDY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(Path(folder) / "window-zh_CN.png"))

    choices = SettingsChoices([], [], [], list(WHISPER_LANGUAGES), ["auto", "tiny.en", "base"])
    dialog = SettingsDialog(Settings(), choices, window)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "确定", "Qt's own texts come from qtbase_zh_CN.qm"
    assert dialog.ui_language.currentText() == "跟随系统"
    assert [dialog.ui_language.itemText(i) for i in (1, 2)] == ["English", "简体中文"]
    assert english_left(dialog, skip=(dialog.whisper_model,)) == []
    # The names of the languages offered for speech recognition are translated too.
    assert [language_label(code) for code in ("auto", "de", "yue")] == [
        "自动检测",
        "德语 (de)",
        "粤语 (yue)",
    ]
    for code in WHISPER_LANGUAGES:
        assert CHINESE.search(language_label(code)), code

    history = HistoryDialog(window.store, "User", window)
    qtbot.addWidget(history)
    header = history.tree.headerItem()
    columns = [header.text(i) for i in range(header.columnCount())]
    assert columns == ["标题", "角色", "最后更新", "消息数"]
    assert english_left(history) == []
    picker = CharacterPicker([], "Buddy", window, user_folder=tmp_path / "characters")
    qtbot.addWidget(picker)
    assert english_left(picker) == []


def test_the_window_speaks_english_with_en(
    qtbot: QtBot, language: Callable[[str], str], open_window: Callable[[], MainWindow]
) -> None:
    language("zh_CN")
    assert language("en") == "en"  # replaces the Chinese translators
    window = open_window()
    assert window.talk.talk_button.text() == "Hold to talk  (Space)"
    assert window.talk.state_label.text() == "Ready"
    assert menu_titles(window) == ["&Conversation", "C&haracter", "&Settings"]
    dialog = SettingsDialog(Settings(), SettingsChoices([], [], [], ["auto"], ["auto"]), window)
    qtbot.addWidget(dialog)
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "OK"


def test_the_language_setting_round_trips(qtbot: QtBot) -> None:
    settings = Settings()
    choices = SettingsChoices([], [], [], ["auto"], ["auto"])
    dialog = SettingsDialog(settings, choices)
    qtbot.addWidget(dialog)
    assert dialog.result_settings().ui.language == ""
    dialog.ui_language.setCurrentIndex(dialog.ui_language.findData("zh_CN"))
    assert dialog.result_settings().ui.language == "zh_CN"
    assert settings.ui.language == ""  # the dialog works on a copy
    settings.ui.language = "fr"  # hand-written, unknown: kept as it is
    dialog = SettingsDialog(settings, choices)
    qtbot.addWidget(dialog)
    assert dialog.result_settings().ui.language == "fr"
    assert dialog.ui_language_note.text()
