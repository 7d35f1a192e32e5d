"""Where a flow's ``system`` section comes from: ``--config FILE``, the spec's own
``system:``, or an ``inkproof.toml`` beside the spec or in the current folder — validated
by the one model (:class:`~inkproof.model.SystemSection`), errors located by file and line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from inkproof.errors import InkproofError
from inkproof.model import Flow, SystemSection

CONFIG_FILE = "inkproof.toml"


def load_system_config(spec: Path, flow: Flow, explicit: Path | None = None
                       ) -> tuple[SystemSection | None, Path]:
    """The ``system`` section that applies to ``flow``, and the folder it was declared in:
    ``--config FILE`` first, then the spec's own ``system:``, then ``inkproof.toml``
    beside the spec, then in the current folder."""
    candidates = [explicit] if explicit is not None else []
    if explicit is None and flow.system is not None:
        return flow.system, spec.resolve().parent
    if explicit is None:
        candidates = [spec.resolve().parent / CONFIG_FILE, Path.cwd() / CONFIG_FILE]
    for path in candidates:
        if path is None or not path.is_file():
            if explicit is not None:
                raise InkproofError(f"--config {path}: no such file")
            continue
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InkproofError(f"{path}: not a readable TOML file: {exc}") from None
        table = document.get("system")
        if table is None:
            if explicit is not None:
                raise InkproofError(f"{path}: expected a [system] table")
            continue
        try:
            return SystemSection.model_validate(table), path.resolve().parent
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            line = _line_of(path, [str(p) for p in first["loc"]])
            raise InkproofError(f"{path}:{line}: [system] {where}: "
                                f"{first['msg'].removeprefix('Value error, ')}") from None
    return None, Path.cwd()


def _line_of(path: Path, loc: list[str]) -> int:
    """The line of the ``[system]`` key a validation error names (TOML parsers keep no
    positions): the first ``key =`` after the table it belongs to, else the table's
    header."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tables = ["system", *loc[:-1]]
    header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, tables)) + r"\s*\]")
    start = next((i for i, text in enumerate(lines) if header.match(text)), None)
    if start is None:
        start = next((i for i, text in enumerate(lines) if re.match(r"^\s*\[\s*system\s*\]",
                                                                     text)), 0)
    key = re.compile(r"^\s*" + re.escape(loc[-1] if loc else "") + r"\s*=")
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if loc and key.match(lines[i]):
            return i + 1
    return start + 1


def environment_secrets(config: SystemSection | None) -> list[str]:
    """Values of the system's environment that look like credentials, to be masked."""
    if config is None:
        return []
    hints = ("PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL")
    return [value for name, value in config.env.items()
            if any(h in name.upper() for h in hints) and value] + [
        value for value in config.env.values() if "://" in value and "@" in value]
