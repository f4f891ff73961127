"""`voicebuddy install-desktop`: a launcher the desktop accepts, and `--remove` takes away
exactly what it added."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from commandline import Run

from voicebuddy.desktop_entry import ICON_SIZES, exec_quoted


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # the IHDR chunk
    return width, height


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_the_launcher_is_valid_and_removed_without_a_trace(run: Run, tmp_path: Path) -> None:
    share = tmp_path / "share"
    other_icon = share / "icons/hicolor/48x48/apps/other-app.png"  # another app's, kept
    other_icon.parent.mkdir(parents=True)
    other_icon.write_bytes(b"other")
    (share / "applications").mkdir()
    (share / "applications/other-app.desktop").write_text("[Desktop Entry]\n")
    before = files_under(share)

    result = run("install-desktop", XDG_DATA_HOME=str(share))
    assert result.returncode == 0, result.stderr
    entry = share / "applications/voicebuddy.desktop"
    text = entry.read_text(encoding="utf-8")
    launcher = Path(sys.prefix) / "bin/voicebuddy"
    assert f"Exec={launcher}\n" in text and launcher.exists()  # this checkout's venv
    assert "Name=VoiceBuddy\n" in text and "Name[zh_CN]=" in text and "Icon=voicebuddy\n" in text
    assert "Keywords=" in text and "Categories=" in text
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate is missing: `make test` installs desktop-file-utils")
    checked = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0 and checked.stdout == "", checked.stdout
    for size in ICON_SIZES:
        assert png_size(share / f"icons/hicolor/{size}x{size}/apps/voicebuddy.png") == (size, size)
    assert (share / "icons/hicolor/scalable/apps/voicebuddy.svg").read_text().startswith("<")

    removed = run("install-desktop", "--remove", XDG_DATA_HOME=str(share))
    assert removed.returncode == 0, removed.stderr
    assert files_under(share) == before  # everything added is gone, the rest is untouched
    again = run("install-desktop", "--remove", XDG_DATA_HOME=str(share))
    assert again.returncode == 0 and "no launcher" in again.stdout


def test_exec_paths_are_quoted_as_the_desktop_entry_spec_says() -> None:
    assert (
        exec_quoted(Path("/home/ann/vb/.venv/bin/voicebuddy"))
        == "/home/ann/vb/.venv/bin/voicebuddy"
    )
    assert exec_quoted(Path("/home/ann/My Apps/voicebuddy")) == '"/home/ann/My Apps/voicebuddy"'
    assert exec_quoted(Path("/a$b/100%/v")) == '"/a\\\\$b/100%%/v"'
