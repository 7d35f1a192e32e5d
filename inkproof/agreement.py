"""What the picture says is what is checked: labels and legend steps against expectations.

An arrow labelled `` `SETEX cache:key:7` TTL 30s `` over ``expect: {redis: "SETEX
cache:key:42 300 *"}`` would be stamped verified while it tells the reader another key and
another TTL. So the facts a label states are compared with what its expectation checks,
after placeholders:

- **verbs** in code spans (Redis commands, HTTP methods, SQL statement kinds) must be ones
  the expectation allows (``DEL|UNLINK`` allows both);
- **names** in code spans — the key after a Redis verb, a path after an HTTP method — must
  be the expectation's, or a prefix of it at a separator (`` `GET cache:key` `` over
  ``GET cache:key:42``), or a generic word (`` `DEL key` ``);
- **numbers** in code spans must be among the expectation's; in prose, a duration
  (``TTL 30s``, ``5 min``) must be a TTL a Redis expectation checks, and an HTTP status
  (``200 OK``) the status a response expectation checks — where the expectation checks
  numbers of that role at all (``Retry after 30 s`` over a request that checks no time is
  prose, not a claim).

A legend step's code spans and numbers must belong to the arrows it describes. Translations
keep every code span and number of their English source (the guard, :mod:`inkproof.i18n
.guard`), so checking the English text checks every language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from inkproof.labels import Label
from inkproof.model import Expect, Flow

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SQL_KINDS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "UPSERT", "MERGE", "BEGIN",
                       "COMMIT", "ROLLBACK"})
#: Redis commands a label may name (the common ones of every data type).
_REDIS_WORDS = """
APPEND BITCOUNT BITFIELD BITOP BITPOS BLMOVE BLMPOP BLPOP BRPOP BZPOPMAX BZPOPMIN COPY DECR
DECRBY DEL DUMP EVAL EVALSHA EXEC EXISTS EXPIRE EXPIREAT FCALL GEOADD GEODIST GEOHASH GEOPOS
GEOSEARCH GEOSEARCHSTORE GET GETDEL GETEX GETRANGE GETSET HDEL HEXISTS HEXPIRE HGET HGETALL
HINCRBY HINCRBYFLOAT HKEYS HLEN HMGET HMSET HSCAN HSET HSETNX HVALS INCR INCRBY INCRBYFLOAT
KEYS LINDEX LINSERT LLEN LMOVE LMPOP LPOP LPOS LPUSH LPUSHX LRANGE LREM LSET LTRIM MGET MSET
MSETNX MULTI PERSIST PEXPIRE PEXPIREAT PFADD PFCOUNT PFMERGE PSETEX PSUBSCRIBE PTTL PUBLISH
RENAME RPOP RPUSH RPUSHX SADD SCAN SCARD SDIFF SET SETEX SETNX SETRANGE SINTER SISMEMBER
SMEMBERS SMOVE SPOP SPUBLISH SRANDMEMBER SREM SSCAN STRLEN SUBSCRIBE SUNION TOUCH TTL TYPE
UNLINK UNWATCH WATCH XACK XADD XAUTOCLAIM XCLAIM XDEL XGROUP XINFO XLEN XPENDING XRANGE XREAD
XREADGROUP XREVRANGE XTRIM ZADD ZCARD ZCOUNT ZINCRBY ZPOPMAX ZPOPMIN ZRANGE ZRANGEBYSCORE ZRANK
ZREM ZREVRANGE ZREVRANK ZSCORE ZUNIONSTORE
"""
# in a label, "TTL" is the word far more often than the command
REDIS_COMMANDS = frozenset(_REDIS_WORDS.split()) - {"TTL"}
VERBS = HTTP_METHODS | SQL_KINDS | REDIS_COMMANDS
#: The Redis verbs of publishing and consuming (a message expectation allows these).
PUBLISH_VERBS = frozenset({"XADD", "PUBLISH", "SPUBLISH", "LPUSH", "RPUSH"})
CONSUME_VERBS = frozenset({"XREADGROUP", "XREAD", "XACK", "XAUTOCLAIM", "BLPOP", "BRPOP",
                           "BLMOVE", "LPOP", "RPOP", "SUBSCRIBE", "PSUBSCRIBE"})
#: Words that stand for any key in a label (`` `DEL key` ``, `` `SET key JSON` ``).
GENERIC_NAMES = frozenset({"key", "keys", "value", "values", "json", "field", "fields",
                           "member", "members", "item", "items", "id", "entry", "data",
                           "ttl", "*", "..."})
#: Redis commands whose number arguments are milliseconds; the rest count seconds.
_MILLISECONDS = frozenset({"PX", "PXAT", "PSETEX", "PEXPIRE", "PEXPIREAT"})
_UNITS = {"ms": 0.001, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60,
          "min": 60, "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hour": 3600,
          "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
# A number standing alone (not inside a key, a path or a word such as S3 or v2), with an
# optional unit right after it. \d is every script's digits (the guard keeps their value).
_NUMBER = re.compile(r"(?<![\w:/.\-])(\d+(?:\.\d+)?)(?:\s?(" + "|".join(
    sorted(_UNITS, key=len, reverse=True)) + r"))?(?![\w:/\-]|\.\d)")
_AFTER_TTL = re.compile(r"(?i)\b(?:TTL|EX|PX|expires?|expiry|max-age)\s*(?:in|after|of)?\s*$")


@dataclass(frozen=True)
class Checked:
    """What an expectation (or a legend step's arrows together) checks."""

    verbs: frozenset[str] = frozenset()
    #: keys and paths (patterns may hold *); None: names are not what it checks (a
    #: message's stream, a response)
    names: tuple[str, ...] | None = None
    numbers: frozenset[float] = frozenset()  # every number it names, as written
    seconds: frozenset[float] = frozenset()  # the durations among them, in seconds
    statuses: frozenset[int] = frozenset()
    text: str = ""  # how a message shows it

    def __or__(self, other: Checked) -> Checked:
        names = None if self.names is None and other.names is None else \
            (*(self.names or ()), *(other.names or ()))
        return Checked(self.verbs | other.verbs, names,
                       self.numbers | other.numbers, self.seconds | other.seconds,
                       self.statuses | other.statuses,
                       "; ".join(t for t in (self.text, other.text) if t))


def _alternatives(token: str) -> set[str]:
    return {part.upper() for part in token.split("|") if part}


def checked_by(expect: Expect) -> Checked:
    """The verbs, names and numbers ``expect`` checks (its templates already rendered)."""
    kind = expect.kind
    value = getattr(expect, kind)
    if kind == "request":
        method, _, path = str(value).partition(" ")
        return Checked(frozenset(_alternatives(method)), (path.strip(),), text=str(value))
    if kind == "redis":
        words = str(value).split()
        verbs = _alternatives(words[0]) if words else set()
        numbers, seconds = set(), set()
        scale = 0.001 if verbs & _MILLISECONDS else 1.0
        for word in words[1:]:
            if word.upper() in _MILLISECONDS:
                scale = 0.001
            elif re.fullmatch(r"\d+(?:\.\d+)?", word):
                numbers.add(float(word))
                seconds.add(float(word) * scale)
        return Checked(frozenset(verbs), tuple(words[1:2]), frozenset(numbers),
                       frozenset(seconds), text=str(value))
    if kind == "response":
        return Checked(numbers=frozenset({float(value.status)}),
                       statuses=frozenset({value.status}),
                       text=f"status {value.status}")
    if kind == "redis_reply":
        return Checked(frozenset({value.command}), text=f"{value.command} {value.result}")
    if kind == "sql":
        return Checked(frozenset(value), text="; ".join(value))
    if kind == "sql_result":
        return Checked(frozenset({"SELECT"}), text=f"at least {value.min_rows} row(s)")
    verbs = PUBLISH_VERBS if kind == "publish" else CONSUME_VERBS
    return Checked(verbs, text=f"{kind} of fields " + ", ".join(value.fields))


@dataclass(frozen=True)
class Stated:
    """What a text states: per code span its verbs, names and numbers; durations and
    statuses of its prose."""

    spans: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[float, ...]], ...] = ()
    seconds: tuple[tuple[str, float], ...] = ()  # (as written, seconds), prose
    statuses: tuple[int, ...] = ()  # prose
    durations_in_code: tuple[tuple[str, float], ...] = field(default=())


def _numbers(text: str) -> Iterator[tuple[str, float, float | None, int]]:
    """(as written, value, seconds if it has a unit or follows TTL/EX, where it starts)."""
    for match in _NUMBER.finditer(text):
        value = float(match.group(1))
        unit = match.group(2)
        seconds = value * _UNITS[unit.lower()] if unit else None
        if seconds is None and _AFTER_TTL.search(text[:match.start()]):
            seconds = value
        yield match.group(0), value, seconds, match.start()


def stated_by(label: Label) -> Stated:
    spans, seconds, statuses, durations = [], [], [], []
    for span in label.spans:
        if span.code:
            words = span.text.replace(";", " ").replace(",", " ").split()
            verbs = tuple(w.upper() for w in words if w.upper() in VERBS and w.isupper())
            names = tuple(_names(words))
            numbers = []
            for written, value, in_seconds, _ in _numbers(span.text):
                numbers.append(value)
                if in_seconds is not None and not written.replace(".", "").isdigit():
                    durations.append((written, in_seconds))
            spans.append((span.text, verbs, names, tuple(numbers)))
            continue
        for written, value, in_seconds, _ in _numbers(span.text):
            if in_seconds is not None:
                seconds.append((written, in_seconds))
            elif value.is_integer() and 100 <= value <= 599:
                statuses.append(int(value))
    return Stated(tuple(spans), tuple(seconds), tuple(statuses), tuple(durations))


def _names(words: list[str]) -> Iterator[str]:
    """The key after a Redis verb, the path after an HTTP method (or any /path)."""
    for i, word in enumerate(words):
        if word.startswith("/"):
            yield word
        elif word.upper() in REDIS_COMMANDS and word.isupper() and i + 1 < len(words):
            following = words[i + 1]
            if following.upper() not in VERBS and not following.startswith("/"):
                yield following


def _name_agrees(name: str, checked: Iterable[str]) -> bool:
    if name.lower() in GENERIC_NAMES:
        return True
    bare = name.split("?")[0].rstrip("/") or "/"
    for pattern in checked:
        pattern = pattern.split("?")[0]
        for option in pattern.split("|"):
            if bare == option or fnmatchcase(bare, option) or (
                    option.startswith(bare) and option[len(bare):len(bare) + 1] in ":/._-"):
                return True
    return False


def disagreements(stated: Stated, checked: Checked) -> list[str]:
    """Each fact of ``stated`` that ``checked`` does not check, as a phrase."""
    found: list[str] = []
    for text, verbs, names, numbers in stated.spans:
        for verb in verbs:
            if verb not in checked.verbs:
                found.append(f"`{text}` names {verb}, which is not checked")
        for name in names if checked.names is not None else ():
            if not _name_agrees(name, checked.names):
                shown = ", ".join(checked.names) or "no key or path"
                found.append(f"`{text}` names {name}, but the check is on {shown}")
        for number in numbers:
            if number not in checked.numbers:
                found.append(f"`{text}` says {number:g}, which is not checked")
    if checked.seconds:
        for written, seconds in (*stated.seconds, *stated.durations_in_code):
            if seconds not in checked.seconds:
                shown = ", ".join(f"{s:g} s" for s in sorted(checked.seconds))
                found.append(f"{written} is {seconds:g} s, but the TTL checked is {shown}")
    if checked.statuses:
        for status in stated.statuses:
            if status not in checked.statuses:
                shown = ", ".join(str(s) for s in sorted(checked.statuses))
                found.append(f"{status} is not the status checked ({shown})")
    return found


def flow_disagreements(flow: Flow) -> list[tuple[tuple[str | int, ...], str]]:
    """(data path, message) for each label and legend step that says what is not checked."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    by_id = {arrow.id: arrow for arrow in flow.arrows}
    for i, arrow in enumerate(flow.arrows):
        if arrow.expect is None:
            continue  # claims nothing: reported "not claimed", never proven
        checked = checked_by(arrow.expect)
        problems = disagreements(stated_by(arrow.label), checked)
        if problems:
            found.append((("arrows", i, "label"), (
                f"arrow '{arrow.id}': its label says \"{arrow.label.text}\" but its expect "
                f"checks \"{checked.text}\": " + "; ".join(problems))))
    for i, step in enumerate(flow.legend):
        expects = [by_id[a].expect for a in step.arrows if a in by_id and by_id[a].expect]
        if not expects:
            continue
        checked = Checked()
        for expect in expects:
            checked = checked | checked_by(expect)  # type: ignore[arg-type]
        problems = disagreements(stated_by(step.text), checked)
        if problems:
            found.append((("legend", i, "text"), (
                f"legend step {step.n} says \"{step.text.text}\" but its arrows check "
                f"\"{checked.text}\": " + "; ".join(problems))))
    return found
