"""One strict pass over a PO file: every mistake located, plus what Babel does not read back.

Babel's ``read_po`` is lenient: it drops an unterminated string or a ``msgstr`` without a
``msgid`` silently, keeps the last of two entries with the same context and English, and
leaves unknown escapes in the text. A translator's typo would then ship as a wrong or missing
label with no word said. :func:`scan` reads the file the way ``msgfmt`` would and reports
``file:line:col: what is wrong — expected …`` for each mistake, so Babel only ever parses a
well-formed file. The same pass collects, per entry, the previous English (``#| msgid``) and
the translator comments exactly as written, which Babel does not read back (it turns ``#|``
lines into translator comments). The pass is linear in the size of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inkproof.errors import Problem, SpecError

#: The escapes Babel decodes; any other backslash sequence would reach a picture verbatim.
ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)(?=[\s\"]|$)")
_CHARSET = re.compile(r"charset=([^\s;]+)", re.IGNORECASE)
_UTF8_NAMES = {"utf-8", "utf8", "charset"}  # "CHARSET": gettext's template placeholder
_EXPECTED_LINE = ("expected a keyword (msgctxt, msgid, msgid_plural, msgstr), a quoted "
                  "string or a # comment")


@dataclass
class Entry:
    """One entry as written: where it is and the parts Babel does not give back faithfully."""

    line: int
    context: str | None
    id: str
    obsolete: bool
    user_comments: list[str] = field(default_factory=list)
    previous_id: str | None = None


@dataclass
class _Open:
    """The entry being read."""

    line: int = 0
    obsolete: bool = False
    stage: str | None = None  # last keyword: msgctxt, msgid, msgid_plural, msgstr; or
    # "broken": the rest of an entry already reported, skipped up to the next entry
    context: str | None = None
    id: str = ""
    plural: bool = False
    strings: list[str] = field(default_factory=list)  # the value of the last keyword


def decode(data: bytes, file: str) -> str:
    """The text of a catalog; invalid UTF-8 is a problem at the line of the bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError([Problem(file, line, column, f"invalid UTF-8 ({exc.reason}, byte "
                                 f"0x{data[exc.start]:02X})", "catalogs are UTF-8: save the "
                                 "file as UTF-8")]) from None
    return text.removeprefix("\ufeff")


def scan(text: str, file: str) -> list[Entry]:
    """Every entry of a PO text, in order; raises SpecError listing every mistake."""
    return _Scanner(file).run(text)


class _Scanner:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.entries: list[Entry] = []
        self.seen: dict[tuple[bool, str | None, str], int] = {}
        self.open = _Open()
        self.comments: list[str] = []
        self.previous: list[str] | None = None  # parts of the pending "#| msgid"
        self.previous_done: str | None = None
        self.header: tuple[int, str] | None = None

    def fail(self, line: int, column: int, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.file, line, column, message, hint))

    def run(self, text: str) -> list[Entry]:
        number = 0
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.rstrip("\r")
            stripped = line.strip()
            if not stripped:
                continue  # blank lines separate entries but mean nothing (as for msgfmt)
            column = len(line) - len(line.lstrip()) + 1
            if self.previous is not None and not stripped.startswith("#|"):
                self.previous_done, self.previous = "".join(self.previous), None
            if stripped.startswith("#~"):
                body = stripped[2:].lstrip()
                if body and body[0] not in "#|":
                    self.keyword_line(number, column + len(stripped) - len(body), body,
                                      obsolete=True)
            elif stripped.startswith("#"):
                self.comment(number, column, stripped)
            else:
                self.keyword_line(number, column, stripped, obsolete=False)
        self.finish(number + 1)
        if self.header is not None:
            self.check_header(*self.header)
        if self.problems:
            raise SpecError(self.problems)
        return self.entries

    # ---- lines ---------------------------------------------------------------------------

    def comment(self, number: int, column: int, text: str) -> None:
        self.finish(number)
        if text.startswith("#-"):
            self.fail(number, column, "a merge-conflict marker",
                      "resolve the conflict, then remove the #- lines")
        elif text.startswith("#|"):
            self.previous_comment(number, column + 2, text[2:])
        elif text[1:2] not in (",", ".", ":"):
            self.comments.append(text[1:].strip())

    def previous_comment(self, number: int, column: int, body: str) -> None:
        """``#| msgid "…"`` and its ``#| "…"`` continuations: the English before a change."""
        stripped = body.lstrip()
        column += len(body) - len(stripped)
        if stripped.startswith('"'):
            value = self.string(number, column, stripped)
            if self.previous is not None and value is not None:
                self.previous.append(value)
            return
        match = _KEYWORD.match(stripped)
        self.previous = None
        if match is None:
            return  # a free-form "#|" remark: kept by nobody, harmless
        rest = stripped[match.end():]
        value = self.string(number, column + len(stripped) - len(rest.lstrip()), rest.lstrip())
        if match.group(1) == "msgid" and value is not None:
            self.previous = [value]

    def keyword_line(self, number: int, column: int, text: str, *, obsolete: bool) -> None:
        if text.startswith('"'):
            value = self.string(number, column, text)
            if self.open.stage == "broken":
                return
            if self.open.stage is None:
                self.fail(number, column, "a string with no keyword before it",
                          "expected msgctxt, msgid or msgstr first")
            elif value is not None:
                self.open.strings.append(value)
            return
        match = _KEYWORD.match(text)
        if match is None:
            word = text.split()[0][:40]
            self.fail(number, column, f"unknown line starting '{word}'", _EXPECTED_LINE)
            return
        keyword = match.group(1)
        rest = text[match.end():]
        at = column + len(text) - len(rest.lstrip())
        if not rest.strip():
            self.fail(number, at, f"{keyword} without a string", f'expected {keyword} "…"')
            value = None
        else:
            value = self.string(number, at, rest.lstrip())
        self.keyword(number, column, keyword, match.group(2) is not None, obsolete)
        if value is not None and self.open.stage != "broken":
            self.open.strings = [value]

    def keyword(self, number: int, column: int, keyword: str, indexed: bool,
                obsolete: bool) -> None:
        entry = self.open
        if entry.stage == "broken" and keyword in ("msgctxt", "msgid"):
            self.reset()
            entry = self.open
        elif entry.stage == "broken":
            return
        if keyword in ("msgctxt", "msgid"):
            if entry.stage == "msgstr":
                self.finish(number)
                entry = self.open
            elif entry.stage == keyword == "msgctxt":
                self.fail(number, column, "a second msgctxt in one entry", 'expected msgid "…"')
            elif entry.stage in ("msgid", "msgid_plural"):
                self.fail(entry.line, 1, "entry without msgstr",
                          f'expected msgstr "…" before the {keyword} at line {number}')
                self.reset()
                entry = self.open
            if entry.stage is None:
                entry.line, entry.obsolete = number, obsolete
            self.close_value()
            entry.stage = keyword
            return
        if entry.stage in (None, "msgctxt"):
            self.fail(number, column, f"{keyword} without a msgid before it",
                      'expected msgid "…" first')
            self.reset()
            self.open.stage = "broken"
            return
        if keyword == "msgid_plural":
            if entry.stage != "msgid":
                self.fail(number, column, "msgid_plural in the wrong place",
                          "expected it right after the msgid")
            self.close_value()
            entry.plural, entry.stage = True, keyword
            return
        if entry.stage == "msgstr" and not indexed:
            self.fail(number, column, "a second msgstr in one entry",
                      "expected one msgstr per msgid (or msgstr[0], msgstr[1], … with "
                      "msgid_plural)")
        elif indexed and not entry.plural:
            self.fail(number, column, f"{keyword} without msgid_plural", 'expected msgstr "…"')
        elif entry.plural and not indexed:
            self.fail(number, column, "msgstr after msgid_plural", 'expected msgstr[0] "…"')
        self.close_value()
        entry.stage = "msgstr"

    def close_value(self) -> None:
        """The strings collected so far belong to the keyword that is now complete."""
        entry = self.open
        value = "".join(entry.strings)
        if entry.stage == "msgctxt":
            entry.context = value
        elif entry.stage == "msgid":
            entry.id = value
        elif entry.stage == "msgstr" and not entry.plural and entry.id == "" \
                and entry.context is None and not entry.obsolete and self.header is None:
            self.header = (entry.line, value)
        entry.strings = []

    def string(self, number: int, column: int, text: str) -> str | None:
        """A quoted string starting at ``text[0]``; None (and a problem) when it is broken."""
        out: list[str] = []
        index = 1
        while index < len(text):
            char = text[index]
            if char == '"':
                tail = text[index + 1:]
                if tail.strip():
                    self.fail(number, column + index + 1 + len(tail) - len(tail.lstrip()),
                              "text after the closing quote",
                              'expected the line to end; write a literal quote as \\"')
                    return None
                return "".join(out)
            if char == "\\":
                escaped = text[index + 1:index + 2]
                if escaped not in ESCAPES:
                    if not escaped:
                        break
                    self.fail(number, column + index, f"bad escape '\\{escaped}'",
                              "expected one of \\\\ \\\" \\n \\t \\r")
                    return None
                out.append(ESCAPES[escaped])
                index += 2
                continue
            out.append(char)
            index += 1
        self.fail(number, column, "unterminated string",
                  "expected a closing '\"' on the same line")
        return None

    # ---- entries -------------------------------------------------------------------------

    def finish(self, number: int) -> None:
        """The open entry is complete (a comment or a new entry follows, or the file ends)."""
        entry = self.open
        if entry.stage is None:
            return
        if entry.stage == "broken":
            self.reset()
            return
        self.close_value()
        if entry.stage == "msgctxt":
            self.fail(entry.line, 1, "msgctxt without msgid", 'expected msgid "…" after it')
        elif entry.stage in ("msgid", "msgid_plural"):
            self.fail(entry.line, 1, "entry without msgstr",
                      f'expected msgstr "…" before line {number}')
        else:
            key = (entry.obsolete, entry.context, entry.id)
            if key in self.seen:
                what = f"msgctxt {entry.context!r}, " if entry.context is not None else ""
                self.fail(entry.line, 1, f"duplicate entry ({what}msgid {_short(entry.id)})",
                          f"first at line {self.seen[key]}; keep one of the two")
            else:
                self.seen[key] = entry.line
                self.entries.append(Entry(entry.line, entry.context, entry.id, entry.obsolete,
                                          self.comments, self.previous_done))
        self.reset()

    def reset(self) -> None:
        self.open = _Open()
        self.comments = []
        self.previous_done = None

    def check_header(self, line: int, value: str) -> None:
        for field_line in value.split("\n"):
            name, _, content = field_line.partition(":")
            if name.strip().lower() != "content-type":
                continue
            match = _CHARSET.search(content)
            if match and match.group(1).lower() not in _UTF8_NAMES:
                self.fail(line, 1, f"the header declares charset={match.group(1)}",
                          "expected charset=UTF-8 (catalogs are read as UTF-8)")


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
