"""Show untrusted text (file names, reasons quoting them) on one line, inert on a terminal.

File names come from whoever wrote into SRC: a newline in one would forge a
second line for cron's mail or a log parser (``el2en batch completed: ...``),
and ESC or a C1 control would reach the terminal as an escape sequence
(retitle the window, hide text, move the cursor).  A name that is not UTF-8
arrives as lone surrogates (``os.fsdecode``'s ``surrogateescape``), which no
UTF-8 stream can even write.

:func:`escape` is the one function every place that shows a name goes
through: stderr lines (log and error), the summary line, the report.  It
turns each such character into a visible escape: ``\\n``, ``\\t``, ``\\r``,
``\\x1b``, ``\\x9b``, ``\\xff`` (an undecodable byte), ``\\u202e``.  The
result holds none of the characters it escapes, so escaping twice changes
nothing more.  It is for display, not a reversible quoting: a name holding
a literal backslash and ``n`` looks the same as one holding a newline, and
that is harmless.
"""

from __future__ import annotations

import re

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: C0 controls and DEL, C1 controls, lone surrogates (undecodable bytes),
#: and the Unicode format characters that reorder or hide text on display
#: (bidirectional overrides and isolates, line and paragraph separators).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte surrogateescape stood for
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def escape(text: str) -> str:
    """Return ``text`` with control, format and undecodable characters shown as escapes."""
    return _UNSAFE.sub(_escaped, text)


def is_utf8_name(name: str) -> bool:
    """Return True when the file name ``name`` (as ``os.fsdecode`` gives it) was valid UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
