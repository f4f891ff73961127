"""Message text to the small HTML subset Qt's rich text shows.

Character cards write actions and narration between asterisks (`*smiles*`); they are shown in
italics and a softer colour, without the asterisks. `**bold**` stays bold. While a reply is
still streaming, an action whose closing asterisk has not arrived yet is already italic.
"""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ACTION = re.compile(r"\*([^*]+)(\*|$)")


def message_html(text: str, action_color: str) -> str:
    escaped = html.escape(text.strip(), quote=False)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ACTION.sub(
        lambda m: f'<i><span style="color:{action_color}">{m.group(1)}</span></i>', escaped
    )
    return escaped.replace("\n", "<br>")
