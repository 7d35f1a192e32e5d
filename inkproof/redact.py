"""Credentials never reach an output: the one place that knows how to mask them.

Connection URLs (``redis://:pw@host``, ``rediss://user:pw@host``, ``postgresql://…``,
``unix://…``), their ``?password=`` query parameters and libpq key/value DSNs
(``host=h password='a secret'``) are masked wherever they appear in a text, the user and
the host kept visible (``redis://:***@127.0.0.1:6379/0``), so a message still says *which*
server. A password given on the command line is also registered when the run starts: a
driver may repeat it out of URL form (decoded, re-quoted, inside an exception message),
and every output sink masks the literal too.

Sinks call :func:`mask_text` (one string) or :func:`mask_data` (a JSON-like structure)
*before* serializing, so that escaping (JSON, XML, HTML) cannot hide a secret from the mask
and line wrapping cannot split one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import quote, unquote

MASK = "***"
MIN_LITERAL = 4  # shorter registered secrets are masked in URL/DSN form only, not as
# bare text: masking every "ab" of a report would destroy it and protect nothing.
PASSWORD_KEYS = ("password", "passwd", "pass", "pwd")  # URL query parameters and DSN keys

_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>\S*)")
_KEYS = "|".join(PASSWORD_KEYS)
# ?password=… / &pass=… in a URL: the value ends at the next parameter.
_QUERY = re.compile(rf"(?i)(?<=[?&])(?P<key>{_KEYS})=(?P<value>[^&#\s]*)")
# libpq key/value: password=secret, password = 'a \'quoted\' secret' (libpq's own rules:
# blanks around "=", single quotes, backslash escapes).
_DSN = re.compile(rf"(?i)(?<![A-Za-z0-9?&])(?P<key>{_KEYS})(?P<eq>\s*=\s*)"
                  r"(?P<value>'(?:[^'\\]|\\.)*'?|\S*)")

_secrets: set[str] = set()


def _userinfo_end(rest: str) -> int:
    """Where the userinfo of a URL (the part after ``scheme://``) ends, or -1.

    By the LAST ``@``: a password may hold an unescaped ``@``, ``/`` or ``:``. An ``@``
    inside a query value (``?next=a@b``) does not count, and neither does one after a path
    (``https://host/@someone``: a user name has no ``/``).
    """
    at = rest.rfind("@")
    query = rest.find("?")
    if 0 <= query < at and "=" in rest[query:at]:
        at = rest.rfind("@", 0, query)
    if at < 0 or "/" in rest[:at].split(":", 1)[0]:
        return -1
    return at


def _url_password(rest: str) -> tuple[int, int] | None:
    """The (start, end) of the password in ``rest``, or None when there is none."""
    at = _userinfo_end(rest)
    if at < 0:
        return None
    colon = rest.find(":", 0, at)
    if colon < 0 or colon + 1 == at:  # user@host, or an empty password
        return None
    return colon + 1, at


def _mask_url(match: re.Match[str]) -> str:
    rest = match["rest"]
    span = _url_password(rest)
    if span is not None:
        rest = rest[:span[0]] + MASK + rest[span[1]:]
    return match["scheme"] + _QUERY.sub(lambda m: f"{m['key']}={MASK}" if m["value"] else
                                        m[0], rest)


def _mask_dsn(match: re.Match[str]) -> str:
    value = match["value"]
    if not value:
        return match[0]
    shown = f"'{MASK}'" if value.startswith("'") else MASK
    return f"{match['key']}{match['eq']}{shown}"


def mask_text(text: str) -> str:
    """``text`` with every password masked: registered literals, URLs, query, DSN."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL.sub(_mask_url, text)
    return _DSN.sub(_mask_dsn, text)


T = TypeVar("T")


def mask_data(value: T) -> T:
    """A copy of a JSON-like value (dicts, lists, tuples, strings) with every string masked."""
    if isinstance(value, str):
        return mask_text(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(mask_data(item) for item in value)  # type: ignore[return-value]
    return value


def _dsn_value(raw: str) -> str:
    if raw.startswith("'"):
        return re.sub(r"\\(.)", r"\1", raw[1:-1] if raw.endswith("'") and len(raw) > 1
                      else raw[1:])
    return raw


def passwords_in(text: str) -> list[str]:
    """Every password a URL or DSN in ``text`` carries, as written (undecoded)."""
    found: list[str] = []
    for match in _URL.finditer(text):
        span = _url_password(match["rest"])
        if span is not None:
            found.append(match["rest"][span[0]:span[1]])
        found += [m["value"] for m in _QUERY.finditer(match["rest"]) if m["value"]]
    found += [_dsn_value(m["value"]) for m in _DSN.finditer(_URL.sub("", text))
              if m["value"]]
    return found


def _forms(secret: str) -> Iterable[str]:
    """The ways a password may be spelled back by a driver: as given, percent-decoded,
    percent-encoded, and as inside a Python repr."""
    for plain in dict.fromkeys((secret, unquote(secret))):
        yield plain
        yield quote(plain, safe="")
        yield quote(plain)
        yield repr(plain)[1:-1]


def register_secret(secret: str) -> None:
    """Mask this literal in every output from now on (all its spellings).

    A password with an unescaped URL delimiter breaks its URL, and the driver then repeats
    a piece of it as a host or port ("Port could not be cast to integer value as 'abc'"):
    the pieces are registered too.
    """
    pieces = re.split(r"[/?#@:]", secret)
    _secrets.update(form for text in (secret, *pieces) for form in _forms(text)
                    if len(form) >= MIN_LITERAL)


def register_secrets_from(*values: str | None) -> None:
    """Register the passwords of the connection URLs or DSNs a run was given (``--redis``,
    ``--db``), so that they are masked even where they appear out of URL form."""
    for value in values:
        if value:
            for secret in passwords_in(value):
                register_secret(secret)


def forget_secrets() -> None:
    """Drop every registered literal (for tests: one process runs many runs)."""
    _secrets.clear()
