"""The bytes that ring the terminal's bell and raise a desktop notification (OSC 9 / OSC 777).

Both escape sequences travel over SSH to the terminal the user sits at. A field is server text: made
inert, and without ``;`` (OSC 777's field separator; in OSC 9, ``9;4;...`` would be a progress bar
on ConEmu/Windows Terminal), so a task name can neither end the sequence nor start another.
"""

from __future__ import annotations

import re

from tui.services.notify.text import inert

BEL = "\x07"
OSC = "\x1b]"
FIELD_LIMIT = 200  # characters of a field: desktop notifications show a line or two anyway


def osc_field(text: object) -> str:
    """``text`` fit for an OSC parameter: controls made visible (no BEL or ESC can end the sequence),
    secrets masked, and no ``;``."""
    return inert(text, limit=FIELD_LIMIT).replace(";", " ")


def terminal_bytes(title: str, body: str, *, bell: bool, desktop: str) -> str:
    """What to write to the terminal for one notification (may be empty)."""
    out = ""
    if desktop == "osc9":  # one message: title and body together
        message = f"{title}: {body}" if body else title
        out += f"{OSC}9;{osc_field(message)}{BEL}"
    elif desktop == "osc777":
        out += f"{OSC}777;notify;{osc_field(title)};{osc_field(body)}{BEL}"
    if bell:
        out += BEL
    return out


_OSC_SEQUENCE = re.compile("\x1b\\][^\x07\x1b]*\x07")


def through_tmux(data: str) -> str:
    """``data`` for a terminal behind tmux: each OSC sequence wrapped in tmux's passthrough (DCS
    ``tmux;`` with every ESC doubled), which tmux 3.3+ forwards with ``allow-passthrough on``; the bell
    is left to tmux itself (it flags the window)."""
    return _OSC_SEQUENCE.sub(lambda m: "\x1bPtmux;" + m.group().replace("\x1b", "\x1b\x1b") + "\x1b\\", data)
