"""A launcher for the desktop: a freedesktop `.desktop` entry and the icon in the hicolor sizes,
under `$XDG_DATA_HOME` (default `~/.local/share`), starting this checkout's VoiceBuddy.
`remove_desktop_entry` takes away exactly what `install_desktop_entry` wrote."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from voicebuddy.characters.character import ASSETS_DIR
from voicebuddy.errors import VoiceBuddyError

APP_ID = "voicebuddy"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


@dataclass(frozen=True)
class DesktopFiles:
    entry: Path
    icons: tuple[Path, ...]

    @property
    def all(self) -> tuple[Path, ...]:
        return (self.entry, *self.icons)


def data_home(environ: dict[str, str] | None = None) -> Path:
    environ = dict(os.environ) if environ is None else environ
    configured = environ.get("XDG_DATA_HOME", "").strip()
    if configured and Path(configured).is_absolute():
        return Path(configured)
    return Path(environ.get("HOME", str(Path.home()))) / ".local" / "share"


def desktop_files(base: Path) -> DesktopFiles:
    icons = tuple(
        base / "icons/hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png" for size in ICON_SIZES
    )
    scalable = base / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg"
    return DesktopFiles(base / "applications" / f"{APP_ID}.desktop", (*icons, scalable))


def launcher_command() -> Path:
    """The `voicebuddy` script of the environment this runs in (the checkout's .venv)."""
    script = Path(sys.prefix) / ("Scripts/voicebuddy.exe" if os.name == "nt" else "bin/voicebuddy")
    if not script.exists():
        raise VoiceBuddyError(
            "launcher_missing",
            f"{script} is not there: run `make run` once, or install VoiceBuddy into this "
            "environment, before adding it to the desktop.",
        )
    return script


def exec_quoted(command: Path) -> str:
    """`command` as the Desktop Entry spec quotes an Exec argument: in double quotes when it
    holds a reserved character, with `"`, backquote, `$` and backslash escaped; then backslashes
    doubled again for the file's string syntax, and `%` doubled (field codes)."""
    text = str(command)
    if any(ch in text for ch in _RESERVED):
        escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in text)
        text = f'"{escaped}"'
    return text.replace("\\", "\\\\").replace("%", "%%")


_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def entry_text(command: Path) -> str:
    exec_line = exec_quoted(command)
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.4",
            "Name=VoiceBuddy",
            "Name[zh_CN]=VoiceBuddy 语音伙伴",
            "GenericName=Voice companion",
            "GenericName[zh_CN]=语音伙伴",
            "Comment=Talk with a character, or dictate, offline",
            "Comment[zh_CN]=离线与角色语音聊天，或语音听写",
            f"Exec={exec_line}",
            f"Icon={APP_ID}",
            "Terminal=false",
            "Categories=Utility;Accessibility;",
            "Keywords=voice;speech;assistant;companion;dictation;transcription;chat;offline;",
            "Keywords[zh_CN]=语音;听写;聊天;助手;离线;",
            f"StartupWMClass={APP_ID}",
            "",
        ]
    )


def install_desktop_entry(base: Path | None = None) -> DesktopFiles:
    base = base or data_home()
    files = desktop_files(base)
    command = launcher_command()
    try:
        files.entry.parent.mkdir(parents=True, exist_ok=True)
        files.entry.write_text(entry_text(command), encoding="utf-8")
        for size, icon in zip(ICON_SIZES, files.icons, strict=False):
            icon.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ASSETS_DIR / "icons" / f"voicebuddy-{size}.png", icon)
        files.icons[-1].parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ASSETS_DIR / "icon.svg", files.icons[-1])
    except OSError as exc:
        raise VoiceBuddyError(
            "desktop_entry_failed", f"Could not write the launcher under {base}: {exc}."
        ) from None
    return files


def remove_desktop_entry(base: Path | None = None) -> list[Path]:
    """Delete what `install_desktop_entry` wrote, and the folders it left empty; what was
    removed."""
    base = base or data_home()
    removed = []
    for path in desktop_files(base).all:
        if path.is_file():
            path.unlink()
            removed.append(path)
            _prune(path.parent, base)
    return removed


def _prune(folder: Path, base: Path) -> None:
    """Remove `folder` and its parents up to `base` while they are empty."""
    while folder != base and base in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (other apps' icons), or gone
            return
        folder = folder.parent
