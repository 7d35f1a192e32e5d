"""The ``inkproof`` command line: thin wiring from arguments to the pipeline stages.

Exit codes: 0 success, 1 verification drift (later), 2 usage or spec errors. A user mistake
prints located messages on stderr and never a traceback.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from inkproof import __version__, describe
from inkproof.canvas import Canvas, parse_size
from inkproof.errors import InkproofError, Problem, SpecError, did_you_mean, printable
from inkproof.files import check_writable, write_all, write_atomically
from inkproof.i18n.catalog import SOURCE_LANGUAGE
from inkproof.loader import load_flow, parse_flow, spec_files
from inkproof.model import Flow
from inkproof.redact import mask_text, register_secrets_from
from inkproof.render.theme import PALETTES
from inkproof.schema import json_schema_text

EXIT_DRIFT = 1
EXIT_SPEC_ERROR = 2


def _echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line; control characters from input are escaped (no terminal injection) and
    passwords masked (a message may name a server by its URL)."""
    click.echo(printable(mask_text(message)), err=err, nl=nl)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="inkproof")
def cli() -> None:
    """Technical infographics that are beautiful, translated, and true.

    A YAML spec of boxes, arrows, lanes, legend and callouts drives both the drawing and a
    verification run against a real system.
    """


#: ``-`` as a spec: standard input (for check and explain, which read each spec once).
STDIN = Path("-")


def _shown(path: Path) -> str:
    return "<stdin>" if path == STDIN else str(path)


def _load_one(path: Path, stdin_ok: bool) -> Flow:
    if path != STDIN:
        return load_flow(path)
    if not stdin_ok:
        raise click.UsageError("standard input (-) is read by check and explain only: "
                               "this command reads each spec more than once")
    from inkproof.yamlsource import MAX_BYTES

    return parse_flow(sys.stdin.buffer.read(MAX_BYTES + 1), "<stdin>")


def _load_all(paths: Iterable[Path], stdin_ok: bool = False
              ) -> tuple[list[tuple[Path, Flow]], int]:
    """Load every spec, printing problems as they come; return the flows and failure count."""
    loaded: list[tuple[Path, Flow]] = []
    failures = 0
    paths = list(dict.fromkeys(spec_files(paths)))  # stdin, like any file, is read once
    if not paths:
        _echo("inkproof: no spec files found (a spec is a .yaml file with "
                   "`inkproof: 1`)", err=True)
        failures += 1
    for path in paths:
        try:
            loaded.append((path, _load_one(path, stdin_ok)))
        except SpecError as exc:
            failures += 1
            for problem in exc.problems:
                _echo(str(problem), err=True)
            count = len(exc.problems)
            _echo(f"✗ {_shown(path)}: {count} problem{'s' if count != 1 else ''}", err=True)
    # Output folders are named after flow ids, so two specs with one id would overwrite
    # each other's pictures.
    first: dict[str, Path] = {}
    for path, flow in loaded:
        if flow.id in first:
            failures += 1
            _echo(str(Problem(str(path), 1, 1, f"flow id '{flow.id}' is also used by "
                                   f"{first[flow.id]}", "flow ids must be unique")), err=True)
        first.setdefault(flow.id, path)
    return loaded, failures


SPEC_ARGUMENT = click.argument("specs", nargs=-1, required=True,
                               type=click.Path(path_type=Path))  # a folder: its specs


@cli.command()
@SPEC_ARGUMENT
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when everything is valid.")
@click.option("--lang", default=None,
              help="Also check that installed fonts draw every label in these languages "
                   "(comma-separated, or 'all').")
def check(specs: tuple[Path, ...], quiet: bool, lang: str | None) -> None:
    """Validate spec files (- reads standard input); print one summary line per flow.

    Reports every mistake of every file with file:line:col, then exits 2 if any was found.
    With --lang, also every character of a translated label that no installed font has.
    """
    loaded, failures = _load_all(specs, stdin_ok=True)
    for path, flow in loaded:
        problems = _uncovered(path, flow, lang) if lang is not None else []
        for problem in problems:
            _echo(f"{_shown(path)}: {problem}", err=True)
        failures += bool(problems)
        if not quiet and not problems:
            _echo(f"✓ {describe.summary(flow)}  ({_shown(path)})")
    if failures:
        sys.exit(EXIT_SPEC_ERROR)


def _uncovered(path: Path, flow: Flow, lang: str) -> list[str]:
    """Characters of the flow's labels, in each language, that no installed font draws."""
    from inkproof.i18n.catalog import translator_for
    from inkproof.i18n.messages import messages
    from inkproof.labels import render_label
    from inkproof.render.coverage import uncovered

    found = []
    for code in _languages(path, flow, lang):
        translate = translator_for(path, flow, code)
        labels = []
        for message in messages(flow):
            english = render_label(message.source, flow.vars)
            labels.append((message.context,
                           translate(message.context, english) if translate else english))
        found += [f"language {code}: {gap}" for gap in uncovered(labels, code)]
    return found


@cli.command()
@SPEC_ARGUMENT
def explain(specs: tuple[Path, ...]) -> None:
    """Print a readable outline of each flow: lanes, boxes, arrows, legend, callouts."""
    loaded, failures = _load_all(specs, stdin_ok=True)
    _echo("\n\n".join(describe.outline(flow) for _, flow in loaded))
    if failures:
        sys.exit(EXIT_SPEC_ERROR)


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of standard output.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the spec format (for editors and other tools)."""
    text = json_schema_text()
    if output is None:
        _echo(text, nl=False)
        return
    write_atomically(output, text.encode("utf-8"))
    _echo(f"wrote {output}", err=True)


@cli.command()
def doctor() -> None:
    """List every font, program and server inkproof uses: found or missing, and the package
    that provides it. Exit 1 when something is missing."""
    from inkproof import doctor as checkup

    findings = checkup.examine()
    _echo(checkup.report(findings), nl=False)
    if any(finding.path is None and finding.requirement.use is not checkup.Use.PEERS
           for finding in findings):
        sys.exit(EXIT_DRIFT)


def _size(text: str | None) -> Canvas | None:
    """``--size``: auto, a preset name or WIDTHxHEIGHT (:mod:`inkproof.canvas`)."""
    if text is None:
        return None
    try:
        return parse_size(text)
    except InkproofError as exc:
        raise click.BadParameter(str(exc)) from None


def _csv(allowed: tuple[str, ...]) -> Callable[[click.Context, click.Parameter, str],
                                                tuple[str, ...]]:
    def parse(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
        items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
        unknown = [v for v in items if v not in allowed]
        if unknown or not items:
            raise click.BadParameter(f"choose from {', '.join(allowed)} (comma-separated)")
        return items

    return parse


@cli.command()
@SPEC_ARGUMENT
@click.option("--lang", default="en", show_default=True,
              help="Language(s) to draw, comma-separated, or 'all' (English and every "
                   "catalog).")
@click.option("--out", "out", default="output", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--format", "formats", default="svg,png", show_default=True,
              callback=_csv(("svg", "png")), help="Formats, comma-separated: svg, png.")
@click.option("--seed", type=click.IntRange(1, 2**31 - 1),
              help="Sketch seed (default: the spec's style.seed).")
@click.option("--size", "size_text", metavar="auto|PRESET|WxH",
              help="Canvas: auto, a preset (social, wide, landscape, square, portrait) or "
                   "WIDTHxHEIGHT in pixels (default: the spec's style.canvas, auto).")
@click.option("--style", type=click.Choice(["whiteboard", "classic"]),
              help="whiteboard (hand-drawn) or classic (mingrammer/diagrams icons).")
@click.option("--palette", type=click.Choice(list(PALETTES)),
              help="The look (default: the spec's style.palette, cool-blue); the transparent "
                   "ones leave the background to the page.")
@click.option("--layout-report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the bounding box of every drawn element as JSON.")
@click.option("-j", "--jobs", "jobs_count", type=click.IntRange(1, 64),
              help="Pictures rendered in parallel (default: one process per core).")
def render(specs: tuple[Path, ...], lang: str, out: Path, formats: tuple[str, ...],
           seed: int | None, size_text: str | None, style: str | None, palette: str | None,
           layout_report: Path | None, jobs_count: int | None) -> None:
    """Draw each flow as SVG and PNG into OUT/<flow-id>/<lang>.<format>.

    Every picture is checked for overlapping or cut-off text, arrows through labels and
    unreadable sizes before anything is written; a flow that cannot be drawn legibly is an
    error naming the elements, and no file is written.
    """
    from inkproof.render import pipeline

    size = _size(size_text)
    check_writable(out, folder=True, what="--out")
    if layout_report is not None:
        check_writable(layout_report, folder=False, what="--layout-report")
    loaded, failures = _load_all(specs)
    if failures:
        sys.exit(EXIT_SPEC_ERROR)
    from inkproof.i18n.catalog import translator_for
    from inkproof.render import batch

    options = pipeline.RenderOptions(formats=formats, seed=seed, size=size, style=style,
                                     palette=palette)
    jobs = [batch.Job(path, code, options) for path, flow in loaded
            for code in _languages(path, flow, lang)]
    for job in jobs:  # a missing or broken catalog fails before any work starts
        translator_for(job.spec, load_flow(job.spec), job.lang)
    done = batch.render_all(jobs, jobs_count)
    for job, result in zip(jobs, done, strict=True):
        if result.fallbacks:
            _echo(f"warning: {result.rendered.flow_id} ({job.lang}): "
                       f"{len(result.fallbacks)} label(s) drawn in English — "
                       + ", ".join(f"{c} ({why})" for c, why in sorted(result.fallbacks.items())),
                       err=True)
    results = [result.rendered for result in done]
    files = pipeline.output_files(out, results)
    if layout_report is not None:  # written in the same batch: all files or none
        reports = [r.report for r in results if r.report is not None]
        files.append((layout_report, (json.dumps({"reports": reports}, indent=1,
                                                 ensure_ascii=False) + "\n").encode()))
    for path in write_all(files):
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        _echo(f"wrote {shown} ({path.stat().st_size // 1024} KiB)")




def _languages(path: Path, flow: Flow, spec: str) -> list[str]:
    """Languages asked for: a comma list, or ``all`` (English and every catalog)."""
    from inkproof.i18n import catalog

    codes: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        if part == "all":
            codes += [SOURCE_LANGUAGE, *catalog.languages(catalog.locales_dir(path), flow.id)]
        else:
            catalog.po_path(catalog.locales_dir(path), part, flow.id)  # validates the tag
            codes.append(part)
    if not codes:
        raise click.BadParameter(f"{spec!r} names no language (like en, de,ja or all)",
                                 param_hint="--lang")
    return list(dict.fromkeys(codes))


@cli.group()
def i18n() -> None:
    """Translation catalogs: extract, update and check them (gettext PO files)."""


LANG_OPTION = click.option("--lang", "lang", default=None,
                           help="Languages, comma-separated (default: every catalog).")


def _chosen(path: Path, flow: Flow, lang: str | None) -> list[str]:
    from inkproof.i18n import catalog

    if lang is None:
        return catalog.languages(catalog.locales_dir(path), flow.id)
    return [code for code in _languages(path, flow, lang) if code != SOURCE_LANGUAGE]


@i18n.command()
@SPEC_ARGUMENT
def extract(specs: tuple[Path, ...]) -> None:
    """Write each flow's translation template: spec/locales/<flow-id>.pot."""
    from inkproof.i18n import catalog

    loaded, failures = _load_all(specs)
    if failures:
        sys.exit(EXIT_SPEC_ERROR)
    for path, flow in loaded:
        target = catalog.locales_dir(path) / f"{flow.id}.pot"
        write_atomically(target, catalog.dump(catalog.template(flow)), create_parent=True)
        _echo(f"wrote {target}")


@i18n.command()
@SPEC_ARGUMENT
@LANG_OPTION
def update(specs: tuple[Path, ...], lang: str | None) -> None:
    """Merge the current English into every catalog (and create those named by --lang).

    A changed English text keeps its old translation marked fuzzy, with the previous
    English beside it; texts the flow no longer has become obsolete entries.
    """
    from inkproof.i18n import catalog

    loaded, failures = _load_all(specs)
    if failures:
        sys.exit(EXIT_SPEC_ERROR)
    files = []
    for path, flow in loaded:
        locales = catalog.locales_dir(path)
        files.append((locales / f"{flow.id}.pot", catalog.dump(catalog.template(flow))))
        for code in _chosen(path, flow, lang):
            po = catalog.po_path(locales, code, flow.id)
            existing = catalog.load_if_present(po)
            files.append((po, catalog.dump(catalog.update(existing, flow, code))))
    for written in write_all(files):
        _echo(f"wrote {written}")


@i18n.command(name="check")
@SPEC_ARGUMENT
@LANG_OPTION
def check_catalogs(specs: tuple[Path, ...], lang: str | None) -> None:
    """List, per language, missing, fuzzy/stale and invalid entries; exit 1 if any."""
    from inkproof.i18n import catalog, guard

    loaded, failures = _load_all(specs)
    if failures:
        sys.exit(EXIT_SPEC_ERROR)
    dirty = 0
    for path, flow in loaded:
        glossary = guard.load_glossary(catalog.glossary_path(path))
        codes = _chosen(path, flow, lang)
        if not codes:
            _echo(f"{flow.id}: no catalogs yet")
        for code in codes:
            po = catalog.po_path(catalog.locales_dir(path), code, flow.id)
            report = catalog.check(flow, catalog.load_if_present(po), code, po,
                                   glossary)
            if report.clean:
                _echo(f"✓ {flow.id} ({code}): complete")
            else:
                dirty += 1
                _echo("\n".join(report.lines()))
    if dirty:
        sys.exit(EXIT_DRIFT)


def _list_mutants(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from inkproof.runtime.reference.mutants import MUTANTS

    for mutant in MUTANTS.values():
        _echo(f"{mutant.name:26} {mutant.breaks}")
    ctx.exit(0)


def verification_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options saying what to verify against, shared by verify and publish."""
    for option in reversed([
        click.option("--redis", "redis_url", metavar="URL",
                     help="A real Redis server (redis://127.0.0.1:6379/0). Default: embedded "
                          "fakeredis. Only keys under a fresh inkproof:<run>: prefix are "
                          "written."),
        click.option("--db", "db_url", metavar="URL",
                     help="A PostgreSQL database (postgresql://user@127.0.0.1/db). Default: "
                          "SQLite."),
        click.option("--https", is_flag=True, help="Serve the API over HTTPS with a "
                                                   "throwaway certificate."),
        click.option("--system", "system_ref", metavar="MODULE:FACTORY",
                     help="Verify your own system: FACTORY(wiring) returns it."),
        click.option("--target", "target", metavar="URL",
                     help="Verify a system that is already running (or that a system "
                          "section starts) at this base URL, in any language: through its "
                          "OpenTelemetry traces and, with --redis, the wire."),
        click.option("--otlp", "otlp", metavar="HOST:PORT", default="127.0.0.1:4318",
                     show_default=True, help="Where inkproof listens for the target's OTLP "
                                             "traces (loopback only)."),
        click.option("--config", "config_path", metavar="FILE",
                     type=click.Path(dir_okay=False, path_type=Path),
                     help="An inkproof.toml whose [system] says how to start the target "
                          "(default: the spec's system section, else inkproof.toml beside "
                          "the spec or here)."),
    ]):
        command = option(command)
    return command


@dataclass(frozen=True)
class TargetChoice:
    """The options that point verification at a system in its own processes."""

    target: str | None = None
    otlp: str = "127.0.0.1:4318"
    config_path: Path | None = None


def _verify_flows(loaded: list[tuple[Path, Flow]], redis_url: str | None, db_url: str | None,
                  https: bool, system_ref: str | None, mutant: str | None = None,
                  choice: TargetChoice = TargetChoice(), repeat: int = 1) -> list[Any]:
    """Verify every loaded flow in one session; the FlowReports, in order. ``repeat``
    multiplies the cases universal claims are checked on (a soak)."""
    register_secrets_from(redis_url, db_url)  # masked in every output, even out of URL form
    from inkproof.runtime.target import verify_against_target, wants_target

    if not (mutant or system_ref) and any(
            wants_target(path, flow, choice.target, choice.config_path)
            for path, flow in loaded):
        return [verify_against_target(path, flow, target=choice.target, redis_url=redis_url,
                                      db_url=db_url, otlp=choice.otlp,
                                      config_path=choice.config_path, repeat=repeat)
                for path, flow in loaded]
    from inkproof.runtime.harness import Backends, Session
    from inkproof.runtime.reference.mutants import MUTANTS
    from inkproof.runtime.reference.system import build
    from inkproof.runtime.system import BackendDied, load_factory
    from inkproof.runtime.verify import verify_flow

    if mutant:
        factory, system_name = MUTANTS[mutant].factory, f"mutant {mutant}"
    elif system_ref:
        factory, system_name = load_factory(system_ref), system_ref
    else:
        factory, system_name = build, "reference"
    results: list[Any] = []
    try:
        with Session(factory, Backends(redis_url, db_url, https), name=system_ref) as session:
            session.sampling = session.sampling.repeated(repeat)
            for path, flow in loaded:
                results.append(verify_flow(session, flow, source=str(path), system=system_name))
    except BackendDied as died:  # what was proven until then, then one message, exit 2
        _print_table([*results, *([died.partial] if died.partial is not None else [])])
        raise InkproofError(str(died)) from None
    return results


def _print_table(results: list[Any]) -> None:
    from inkproof.runtime import report as reports

    terminal = sys.stdout.isatty()
    width = max(120, shutil.get_terminal_size((160, 40)).columns) if terminal else 160
    click.echo(reports.table(results, width=width, color=terminal), nl=False)


@cli.command()
@SPEC_ARGUMENT
@verification_options
@click.option("--mutant", metavar="NAME", help="Verify a broken variant of the reference "
                                               "system instead (see --list-mutants).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as JSON.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as JUnit XML.")
@click.option("--list-mutants", is_flag=True, expose_value=False, is_eager=True,
              callback=_list_mutants, help="List the mutants and exit.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True,
              metavar="N", help="Soak: check claims about every fill, write or event on N "
                                "times the sampled ids and N times the writes.")
def verify(specs: tuple[Path, ...], redis_url: str | None, db_url: str | None, https: bool,
           system_ref: str | None, target: str | None, otlp: str, config_path: Path | None,
           mutant: str | None, json_path: Path | None, junit_path: Path | None,
           repeat: int) -> None:
    """Run each flow's scenarios against a running system; prove every arrow and claim.

    Prints a table, arrow by arrow and callout by callout, with the observed evidence.
    Exit 0 when everything is proven, 1 on drift, 2 on usage, spec or connection errors.
    """
    from inkproof.runtime import report as reports
    from inkproof.runtime.reference.mutants import MUTANTS

    if mutant and system_ref:
        raise click.UsageError("--mutant and --system exclude each other")
    if target and (mutant or system_ref):
        raise click.UsageError("--target verifies a running system: it excludes --mutant and "
                               "--system")
    if mutant and mutant not in MUTANTS:
        hint = did_you_mean(mutant, MUTANTS) or f"one of: {', '.join(MUTANTS)}"
        raise click.BadParameter(f"no mutant {mutant!r} — {hint}", param_hint="--mutant")
    for output, option in ((json_path, "--json"), (junit_path, "--junit")):
        if output is not None:
            check_writable(output, folder=False, what=option)
    loaded, failures = _load_all(specs)
    if failures:
        sys.exit(EXIT_SPEC_ERROR)
    results = _verify_flows(loaded, redis_url, db_url, https, system_ref, mutant,
                            TargetChoice(target, otlp, config_path), repeat)
    _print_table(results)
    if json_path:
        text = json.dumps(reports.to_json(results), indent=2, ensure_ascii=False) + "\n"
        write_atomically(json_path, text.encode(), create_parent=True)
    if junit_path:
        write_atomically(junit_path, reports.to_junit(results), create_parent=True)
    if not all(r.ok for r in results):
        sys.exit(EXIT_DRIFT)


@cli.command()
@SPEC_ARGUMENT
@click.option("--out", "out", default="output", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder of the set.")
@click.option("--lang", default="all", show_default=True,
              help="Languages: 'all' (English and every catalog) or a comma list.")
@verification_options
@click.option("--allow-unverified", is_flag=True,
              help="Publish a drifted flow anyway, its pictures stamped 'not verified'.")
@click.option("-j", "--jobs", "jobs_count", type=click.IntRange(1, 64),
              help="Processes for rendering (default: one per core).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems (for CI).")
def publish(specs: tuple[Path, ...], out: Path, lang: str, redis_url: str | None,
            db_url: str | None, https: bool, system_ref: str | None, target: str | None,
            otlp: str, config_path: Path | None, allow_unverified: bool,
            jobs_count: int | None, quiet: bool) -> None:
    """Verify, then write the blog-ready set: SVG, PNG, WebP, social card and alt text per
    flow and language, manifest.json and a static index.html gallery.

    A flow that does not verify is refused (exit 1, nothing changed) unless
    --allow-unverified. Pictures whose inputs did not change are kept, not rendered again.
    The new set replaces the old one only once it is complete.
    """
    from inkproof.i18n.catalog import translator_for
    from inkproof.publish.site import FlowToPublish

    check_writable(out, folder=True, what="--out")
    loaded, failures = _load_all(specs)
    if failures:
        sys.exit(EXIT_SPEC_ERROR)
    languages = {flow.id: _languages(path, flow, lang) for path, flow in loaded}
    for path, flow in loaded:  # a missing or broken catalog fails before any work starts
        for code in languages[flow.id]:
            translator_for(path, flow, code)
    from inkproof.publish.site import preflight

    for done in preflight(out, [flow.id for _, flow in loaded]):  # foreign files: refused now
        _echo(f"recovered: {done}", err=True)
    results = _verify_flows(loaded, redis_url, db_url, https, system_ref,
                            choice=TargetChoice(target, otlp, config_path))
    drifted = [r for r in results if not r.ok]
    if drifted and not allow_unverified:
        _print_table(drifted)
        _echo("inkproof: not published — " + ", ".join(r.flow for r in drifted)
                   + " drifted from the running system (fix the spec or the system, or pass "
                   "--allow-unverified to publish stamped 'not verified'); nothing in "
                   f"{out} was changed", err=True)
        sys.exit(EXIT_DRIFT)
    if not quiet:
        from inkproof.runtime.report import summary

        for result in results:
            _echo(summary(result))
    flows = [FlowToPublish(path, flow, tuple(languages[flow.id]), result)
             for (path, flow), result in zip(loaded, results, strict=True)]
    done = _publish_with_progress(flows, out, jobs_count, quiet)
    for warning in done.warnings:
        _echo(f"warning: {warning}", err=True)
    if not quiet:
        _echo(f"published {out}/: {len(done.rendered)} picture(s) rendered, "
                   f"{len(done.kept)} unchanged; {len(done.files)} files, manifest.json, "
                   "index.html")
    if drifted:
        _echo("warning: published unverified: " + ", ".join(r.flow for r in drifted),
                   err=True)


def _publish_with_progress(flows: list[Any], out: Path, jobs: int | None,
                           quiet: bool) -> Any:
    from inkproof.publish.site import publish as publish_set

    if quiet or not sys.stderr.isatty():
        return publish_set(flows, out, jobs=jobs)
    from rich.progress import Progress

    total = sum(len(f.languages) for f in flows)
    with Progress(transient=True) as bar:
        task = bar.add_task("rendering", total=total)
        return publish_set(flows, out, jobs=jobs,
                           progress=lambda name: bar.update(task, advance=1,
                                                            description=name))


def main() -> None:
    """Console entry point: user errors become a message and exit code 2, never a traceback."""
    try:
        # Not standalone: click's own usage errors quote what was typed (a --lang, a
        # path), so they are printed here, escaped, like every other message.
        code = cli.main(prog_name="inkproof", standalone_mode=False)
    except click.ClickException as exc:
        shown = io.StringIO()
        exc.show(file=shown)
        sys.stderr.write(printable(shown.getvalue()))
        sys.exit(exc.exit_code)
    except click.Abort:
        _echo("Aborted!", err=True)
        sys.exit(1)
    except InkproofError as exc:
        _echo(f"inkproof: {exc}", err=True)
        sys.exit(EXIT_SPEC_ERROR)
    except OSError as exc:
        _echo(f"inkproof: {exc.filename or ''}: {exc.strerror}", err=True)
        sys.exit(EXIT_SPEC_ERROR)
    sys.exit(code if isinstance(code, int) else 0)
