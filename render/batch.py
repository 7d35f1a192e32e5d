"""Render many (flow, language) pictures, spread over processes.

Each job is independent and deterministic, so running them in parallel changes nothing
but the wall time. Workers load the spec and catalog themselves: only paths and options
cross the process boundary, and only bytes come back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from inkproof.i18n.catalog import translator_for
from inkproof.loader import load_flow
from inkproof.render.pipeline import Rendered, RenderOptions, render_flow


@dataclass(frozen=True)
class Job:
    spec: Path
    lang: str
    options: RenderOptions


@dataclass(frozen=True)
class Done:
    rendered: Rendered
    fallbacks: dict[str, str]  # contexts drawn in English, and why


def render_one(job: Job) -> Done:
    flow = load_flow(job.spec)
    translator = translator_for(job.spec, flow, job.lang)
    rendered = render_flow(flow, replace(job.options, lang=job.lang, translate=translator))
    return Done(rendered, dict(translator.fallbacks) if translator else {})


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def render_all(jobs: Sequence[Job], workers: int | None = None) -> list[Done]:
    """Every job's result, in job order; the first failure is raised, as in a serial run."""
    workers = min(workers or default_workers(), len(jobs)) or 1
    if workers == 1:
        return [render_one(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(render_one, jobs))
