"""What the engine tells each sandbox: which folders to hide, which imports to block, which kind of
worker to start, which value types may cross the wire and how its sentences are said (in the
grading's language). grader.sandbox asks nobody: it is told here (Terms), so that the trust
boundary imports nothing of the engine."""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from grader import plugins
from grader.cache import cache_dir
from grader.i18n import _, said
from grader.sandbox import wire
from grader.sandbox.client import PYTHON, Deadline, Limits, Sandbox, Terms
from grader.submission.files import Manifest, manifest

ENGINE = Path(__file__).resolve().parents[1]  # grader/


def hidden_paths(runs_student_code: bool = True, options: dict | None = None) -> list[str]:
    """Folders no worker may see: the grader, every exercise pack, the grader's cache, what the
    packs call private (their data sets), and, for workers that run student code, the packages a
    submission may not import, so that even loading them by file path fails. (A confined worker's
    view holds none of them unless they are installed among its packages; this list covers those,
    and is what the fallback without namespaces is told.)"""
    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)  # hidden even if first written while a worker runs
    except OSError:
        pass
    paths = {str(ENGINE), str(cache)}
    paths.update(str(Path(p).resolve()) for p in plugins.private_paths(options or {}))
    for name in plugins.forbidden_imports() if runs_student_code else ("cnngrade", "grader"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            paths.add(str(Path(location).resolve()))
    paths.update(str(p) for p in plugins.pack_locations())
    return sorted(paths)


@lru_cache(maxsize=1)
def wire_types() -> tuple[type, ...]:
    """The packs' value types, registered with the wire (the trusted side decodes them too)."""
    found = plugins.wire_types()
    for cls in found:
        wire.register(cls)
    return found


def worker_kind(kind: str) -> plugins.WorkerKind | None:
    """The pack's WorkerKind for a kind name; None for the engine's own python kind."""
    if kind == PYTHON:
        return None
    found = plugins.worker_kinds().get(kind)
    if found is None:
        raise ValueError(_("no installed pack provides the worker kind {kind}", kind=repr(kind)))
    return found


def terms(worker: plugins.WorkerKind | None, options: dict | None = None) -> Terms:
    """What a sandbox of this worker kind is told by the engine."""
    runs_student_code = worker is None or worker.runs_student_code
    return Terms(hide=tuple(hidden_paths(runs_student_code, options)),
                 blocked=tuple(plugins.forbidden_imports()) if runs_student_code else (),
                 wire_types=wire_types(), say=said)


def open_sandbox(folder: Path, limits: Limits = Limits(), kind: str = PYTHON, options: dict | None = None,
                 deadline: Deadline | None = None, generated: dict[str, str] | None = None,
                 files: Manifest | None = None) -> Sandbox:
    """A Sandbox for `folder` on the engine's terms (kind: an exercise's spec `kind`; options: the
    packs' option values, for the folders they ask to hide; files: the folder's manifest, when the
    caller has it, else read here: grader.submission.files.Refused when it cannot be)."""
    worker = worker_kind(kind)
    files = files if files is not None else manifest(folder)

    def open_companion(other_kind: str, other_limits: Limits) -> Sandbox:
        return open_sandbox(folder, other_limits, other_kind, options, deadline, generated, files)

    return Sandbox(files, limits, worker=worker, terms=terms(worker, options), deadline=deadline,
                   generated=generated, options=options, open_companion=open_companion)
