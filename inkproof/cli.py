"""The ``inkproof`` command line: thin wiring from arguments to the pipeline stages.

Exit codes: 0 success, 1 verification drift (later), 2 usage or spec errors. A user mistake
prints located messages on stderr and never a traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import click

from inkproof import __version__, describe
from inkproof.errors import InkproofError, Problem, SpecError
from inkproof.loader import load_flow
from inkproof.model import Flow
from inkproof.schema import json_schema_text

EXIT_SPEC_ERROR = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="inkproof")
def cli() -> None:
    """Technical infographics that are beautiful, translated, and true.

    A YAML spec of boxes, arrows, lanes, legend and callouts drives both the drawing and a
    verification run against a real system.
    """


def _load_all(paths: Iterable[Path]) -> tuple[list[tuple[Path, Flow]], int]:
    """Load every spec, printing problems as they come; return the flows and failure count."""
    loaded: list[tuple[Path, Flow]] = []
    failures = 0
    for path in paths:
        try:
            loaded.append((path, load_flow(path)))
        except SpecError as exc:
            failures += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            count = len(exc.problems)
            click.echo(f"✗ {path}: {count} problem{'s' if count != 1 else ''}", err=True)
    # Output folders are named after flow ids, so two specs with one id would overwrite
    # each other's pictures.
    first: dict[str, Path] = {}
    for path, flow in loaded:
        if flow.id in first:
            failures += 1
            click.echo(str(Problem(str(path), 1, 1, f"flow id '{flow.id}' is also used by "
                                   f"{first[flow.id]}", "flow ids must be unique")), err=True)
        first.setdefault(flow.id, path)
    return loaded, failures


SPEC_ARGUMENT = click.argument("specs", nargs=-1, required=True,
                               type=click.Path(dir_okay=False, path_type=Path))


@cli.command()
@SPEC_ARGUMENT
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when everything is valid.")
def check(specs: tuple[Path, ...], quiet: bool) -> None:
    """Validate spec files; print one summary line per flow.

    Reports every mistake of every file with file:line:col, then exits 2 if any was found.
    """
    loaded, failures = _load_all(specs)
    if not quiet:
        for path, flow in loaded:
            click.echo(f"✓ {describe.summary(flow)}  ({path})")
    if failures:
        sys.exit(EXIT_SPEC_ERROR)


@cli.command()
@SPEC_ARGUMENT
def explain(specs: tuple[Path, ...]) -> None:
    """Print a readable outline of each flow: lanes, boxes, arrows, legend, callouts."""
    loaded, failures = _load_all(specs)
    click.echo("\n\n".join(describe.outline(flow) for _, flow in loaded))
    if failures:
        sys.exit(EXIT_SPEC_ERROR)


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of standard output.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the spec format (for editors and other tools)."""
    text = json_schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text.encode("utf-8"))
    click.echo(f"wrote {output}", err=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InkproofError(f"{directory}: no such folder")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main() -> None:
    """Console entry point: user errors become a message and exit code 2, never a traceback."""
    try:
        cli.main(prog_name="inkproof", standalone_mode=True)
    except InkproofError as exc:
        click.echo(f"inkproof: {exc}", err=True)
        sys.exit(EXIT_SPEC_ERROR)
    except OSError as exc:
        click.echo(f"inkproof: {exc.filename or ''}: {exc.strerror}", err=True)
        sys.exit(EXIT_SPEC_ERROR)
