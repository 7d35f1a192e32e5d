"""gettext catalogs of a flow: ``spec/locales/<flow-id>.pot`` and ``<lang>/<flow-id>.po``.

Babel reads and writes the files, so translators can use any PO tool (Poedit, Weblate).
Merging is ours and exact: an entry follows its context (``box.api.role``); when the English
of a context changes, the old translation is kept, marked fuzzy, with the previous English
beside it, so a stale translation is never shipped as if it were current.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import normalize, read_po, write_po
from babel.util import TextWrapper

from inkproof import __version__
from inkproof.errors import InkproofError, Problem, SpecError
from inkproof.i18n import guard, poscan
from inkproof.i18n.messages import messages
from inkproof.labels import Label, LabelError, render_label
from inkproof.model import Flow
from inkproof.reading import read_bounded

#: Catalog dates are fixed: a regenerated catalog must not differ only by a timestamp.
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def locales_dir(spec_path: Path) -> Path:
    """Catalogs of ``spec/flows/x.yaml`` live in ``spec/locales/``."""
    return spec_path.resolve().parent.parent / "locales"


def glossary_path(spec_path: Path) -> Path:
    return spec_path.resolve().parent.parent / "glossary.yaml"


def po_path(locales: Path, lang: str, flow_id: str) -> Path:
    if not _LANG.match(lang):
        raise InkproofError(f"'{lang}' is not a language tag (like de, pt-BR, zh-Hans)")
    return locales / lang / f"{flow_id}.po"


def languages(locales: Path, flow_id: str) -> list[str]:
    """Languages that have a catalog for the flow, sorted."""
    if not locales.is_dir():
        return []
    return sorted(p.parent.name for p in locales.glob(f"*/{flow_id}.po")
                  if _LANG.match(p.parent.name))


def _babel_locale(lang: str) -> str:
    return lang.replace("-", "_")


def template(flow: Flow) -> Catalog:
    """The .pot of a flow: every message with an empty translation."""
    catalog = Catalog(project=f"inkproof flow {flow.id}", version=__version__,
                      creation_date=_EPOCH, revision_date=_EPOCH, fuzzy=False,
                      header_comment=f"# Translation template of the inkproof flow "
                                     f"'{flow.id}'.\n#")
    for message in messages(flow):
        catalog.add(message.source, "", context=message.context,
                    auto_comments=[message.comment])
    return catalog


#: The header fields a catalog carries, in this order. Babel would also write
#: ``Generated-By: Babel <version>``: every committed catalog would then change with the Babel
#: release installed, so the header is written here from this list.
HEADER_FIELDS = ("Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date",
                 "PO-Revision-Date", "Last-Translator", "Language", "Language-Team",
                 "Plural-Forms", "MIME-Version", "Content-Type", "Content-Transfer-Encoding")
_WIDTH = 100
#: Largest catalog accepted, in bytes: a catalog of the largest spec, with long translations.
MAX_CATALOG_BYTES = 8 * 1024 * 1024


def dump(catalog: Catalog) -> bytes:
    """The PO text of a catalog: the same bytes for the same catalog, whatever Babel's version."""
    headers = dict(catalog.mime_headers)
    fields = "".join(f"{name}: {headers[name].rstrip()}\n" for name in HEADER_FIELDS
                     if name in headers)
    wrapper = TextWrapper(width=_WIDTH, subsequent_indent="# ", break_long_words=False)
    comment = [part for line in catalog.header_comment.splitlines()
               for part in wrapper.wrap(line)]
    head = "\n".join(comment) + "\n" + ("#, fuzzy\n" if catalog.fuzzy else "")
    head += f'msgid ""\nmsgstr {normalize(fields, width=_WIDTH)}\n\n'
    buffer = io.BytesIO()
    buffer.write(head.encode(catalog.charset, "backslashreplace"))
    write_po(buffer, catalog, width=_WIDTH, include_previous=True, sort_output=False,
             omit_header=True)
    return buffer.getvalue()


def load(path: Path) -> Catalog:
    """Read a PO file in one pass; a malformed one is a SpecError at ``file:line``.

    The file is refused unread if it is not a regular file or is too large, checked strictly
    (:mod:`inkproof.i18n.poscan`), then parsed by Babel from the same text; the previous
    English (``#| msgid``) and translator comments come from the strict pass, since Babel
    does not read them back.
    """
    file = str(path)
    text = poscan.decode(read_bounded(path, MAX_CATALOG_BYTES, "catalog",
                                      "a catalog this large is not a flow's catalog"), file)
    entries = poscan.scan(text, file)
    try:
        loaded = read_po(io.StringIO(text), locale=_babel_locale(path.parent.name),
                         abort_invalid=True)
    except Exception as exc:  # babel's PoFileError and ValueErrors for bad headers
        line = (getattr(exc, "lineno", 0) or 0) + 1
        raise SpecError([Problem(file, line, 1, f"invalid PO file: {exc}")]) from None
    written = {(e.obsolete, e.context, e.id): e for e in entries}
    for obsolete, found in ((False, loaded), (True, loaded.obsolete.values())):
        for message in found:
            entry = written.get((obsolete, message.context, _singular(message.id)))
            if entry is None or not message.id:
                continue
            message.user_comments = list(entry.user_comments)
            if entry.previous_id:
                message.previous_id = [entry.previous_id]
    return loaded


def load_if_present(path: Path) -> Catalog | None:
    """A language's catalog, or None when there is none yet (anything at the path is read)."""
    return load(path) if os.path.lexists(path) else None


def _singular(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def update(existing: Catalog | None, flow: Flow, lang: str) -> Catalog:
    """Merge the flow's current messages into a language's catalog.

    Same context and English: kept. Same context, new English: old translation kept,
    marked fuzzy, previous English recorded. Contexts the flow no longer has: obsolete.
    """
    old = {m.context: m for m in existing if m.id and m.context} if existing else {}
    catalog = Catalog(locale=_babel_locale(lang), project=f"inkproof flow {flow.id}",
                      version=__version__, creation_date=_EPOCH, revision_date=_EPOCH,
                      fuzzy=False,
                      header_comment=existing.header_comment if existing else
                      f"# {lang} translation of the inkproof flow '{flow.id}'.\n#")
    if existing is not None:
        catalog.language_team = existing.language_team
        catalog.last_translator = existing.last_translator
        # Babel derives plural rules from its CLDR data, which changes between releases.
        catalog.mime_headers = [("Plural-Forms", existing.plural_forms)]
    for message in messages(flow):
        before = old.pop(message.context, None)
        if before is None:
            catalog.add(message.source, "", context=message.context,
                        auto_comments=[message.comment])
        elif before.id == message.source:
            catalog.add(message.source, before.string, context=message.context,
                        auto_comments=[message.comment], user_comments=before.user_comments,
                        flags=before.flags, previous_id=before.previous_id)
        else:
            catalog.add(message.source, before.string, context=message.context,
                        auto_comments=[message.comment], user_comments=before.user_comments,
                        flags={*before.flags, "fuzzy"} if before.string else before.flags,
                        previous_id=before.id)
    for context, gone in old.items():
        catalog.obsolete[(gone.id, context)] = gone
    return catalog


@dataclass
class LanguageReport:
    """What is wrong with one language's catalog of one flow."""

    flow_id: str
    lang: str
    path: Path
    missing: list[str] = field(default_factory=list)
    fuzzy: list[tuple[str, str]] = field(default_factory=list)  # context, previous English
    invalid: list[tuple[str, str]] = field(default_factory=list)  # context, reason

    @property
    def clean(self) -> bool:
        return not (self.missing or self.fuzzy or self.invalid)

    def lines(self) -> list[str]:
        out = [f"{self.path}: {len(self.missing)} missing, {len(self.fuzzy)} fuzzy/stale, "
               f"{len(self.invalid)} invalid"]
        out += [f"  missing  {c}" for c in self.missing]
        out += [f"  fuzzy    {c} (English was: {p!r})" if p else f"  fuzzy    {c}"
                for c, p in self.fuzzy]
        out += [f"  invalid  {c}: {why}" for c, why in self.invalid]
        return out


def check(flow: Flow, catalog: Catalog | None, lang: str, path: Path,
          glossary: Sequence[str]) -> LanguageReport:
    """Missing, fuzzy (stale) and invalid entries of a language for a flow."""
    report = LanguageReport(flow.id, lang, path)
    entries = {m.context: m for m in catalog if m.id and m.context} if catalog else {}
    for message in messages(flow):
        entry = entries.get(message.context)
        if entry is None or not entry.string:
            report.missing.append(message.context)
        elif entry.id != message.source or entry.fuzzy:
            previous = entry.id if entry.id != message.source else _previous(entry)
            report.fuzzy.append((message.context, previous))
        else:
            for reason in guard.problems(message.source, entry.string, glossary, flow.vars):
                report.invalid.append((message.context, reason))
    return report


def _previous(entry: object) -> str:
    """The English a fuzzy entry was translated from (Babel keeps it as a list)."""
    previous = getattr(entry, "previous_id", None)
    if isinstance(previous, list | tuple):
        return str(previous[0]) if previous else ""
    return str(previous or "")


class Translator:
    """Labels of a flow in one language; English (and a note) where that is not possible.

    Used by the renderer as its ``translate`` function. ``fallbacks`` lists the contexts
    drawn in English and why, so a run can report them instead of shipping them silently.
    """

    def __init__(self, flow: Flow, catalog: Catalog | None, glossary: Iterable[str] = ()):
        self.flow = flow
        self.glossary = tuple(glossary)
        self.entries = {m.context: m for m in catalog if m.id and m.context} if catalog else {}
        self.fallbacks: dict[str, str] = {}

    def __call__(self, context: str, label: Label) -> Label:
        entry = self.entries.get(context)
        if entry is None or not entry.string:
            return self._english(context, label, "missing")
        if entry.fuzzy or entry.id != label.source:
            return self._english(context, label, "fuzzy/stale")
        if guard.problems(label.source, entry.string, self.glossary, self.flow.vars):
            return self._english(context, label, "invalid")
        try:
            return render_label(entry.string, self.flow.vars)
        except LabelError:
            return self._english(context, label, "invalid")

    def _english(self, context: str, label: Label, why: str) -> Label:
        self.fallbacks[context] = why
        return label


SOURCE_LANGUAGE = "en"


def translator_for(spec_path: Path, flow: Flow, lang: str) -> Translator | None:
    """The Translator of a flow in ``lang`` (None for the spec's own language, English).

    A language without a catalog is an error that says how to create one.
    """
    if lang == SOURCE_LANGUAGE:
        return None
    po = po_path(locales_dir(spec_path), lang, flow.id)
    if not os.path.lexists(po):  # anything else at the path is refused by load()
        raise InkproofError(f"no '{lang}' catalog for {flow.id}: expected {po} — create it "
                            f"with `inkproof i18n update {spec_path} --lang {lang}`")
    return Translator(flow, load(po), guard.load_glossary(glossary_path(spec_path)))
