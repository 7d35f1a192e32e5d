"""Render many (flow, language) pictures, spread over processes.

Each job is independent and deterministic, so running them in parallel changes nothing
but the wall time. Workers load the spec and catalog themselves: only paths and options
cross the process boundary, and only bytes come back. Workers die with the process that
started them, even when it is killed with SIGKILL and cannot shut its pool down.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
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
    rendered = render_flow(flow, replace(job.options, lang=job.lang, translate=translator,
                                         assets_dir=job.spec.parent))
    return Done(rendered, dict(translator.fallbacks) if translator else {})


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Pool initializer: without it a worker of a killed publish renders on and then waits
    on its queue forever. Linux sends the worker SIGKILL when its parent dies; elsewhere a
    thread polls for the parent. The parent may have died before either was in place."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers never outlive this process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent,
                               initargs=(os.getpid(),))


def render_all(jobs: Sequence[Job], workers: int | None = None) -> list[Done]:
    """Every job's result, in job order; the first failure is raised, as in a serial run."""
    workers = min(workers or default_workers(), len(jobs)) or 1
    if workers == 1:
        return [render_one(job) for job in jobs]
    with worker_pool(workers) as pool:
        return list(pool.map(render_one, jobs))
