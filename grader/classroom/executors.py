"""Where a class's students are graded: local grading processes, or the workers of a Dask cluster.

Both run the same function on each student (grader.classroom.outcome.grade_student: the same sandbox as
`cnngrade submit`), in that student's language (passed with the student, never a process's
setting: a process grades a French student, then an English one), and hand back plain records (the result-3 JSON, the grader's faults, the
seconds it took) as each student finishes, in any order; the batch puts them in order.

Local: `jobs` long-lived grading processes (forkserver: they start clean), one student at a time
each, so that a pack's data set is loaded once per process. A process that dies while grading
(killed, out of memory) is replaced and its student graded once more in the new one; a student
that kills two processes gets a zero row with the reason. A student still running well past
its time budget (the sandbox stops at the budget; this is the backstop) has its process killed.

Dask: each student is one task (pure=False) that carries the submission as bytes: the archive of
its manifest (grader.submission.files: regular files only, links resolved here, size-capped) and
the entries the folder left out, so that a worker grades exactly what a local process would,
with no shared file system; a task that kills its workers fails as KilledWorker after the
scheduler's allowed failures and becomes a zero row.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
import time
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from grader.classroom.outcome import crashed_record, grade_student, worker_fixtures
from grader.grading.fixtures import Fixtures
from grader.i18n import N_, _, said, speaking
from grader.results import Status
from grader.submission.files import LeftOut, Manifest, Refused, unpack

Record = dict  # {"result": result-3 JSON, "faults": [str], "seconds": float}
Done = Callable[[str, Record], None]
Started = Callable[[str], None]
GRACE_SECONDS = 60  # past the budget: the sandbox stops each call at the budget, this is the backstop


class Student(NamedTuple):
    """One student to grade: the folder's name (the batch's key), the folder, what it holds, the
    language of their record."""

    name: str
    folder: Path
    files: Manifest
    lang: str


def _serve(connection: Connection, exercise_ids: tuple[str, ...], examples: int | None, options: dict) -> None:
    """A grading process: one student per request, the packs' fixtures made once."""
    fixtures = Fixtures(options)
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        folder, budget, files, lang = task
        connection.send(grade_student(Path(folder), exercise_ids, examples, fixtures, budget, files, lang).to_record())


class _Process:
    def __init__(self, context, exercise_ids, examples, options):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, exercise_ids, examples, options), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[Student, float] | None = None  # (student, started)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class LocalPool:
    def __init__(self, jobs: int, exercise_ids: tuple[str, ...], examples: int | None, options: dict):
        self.jobs = max(1, jobs)
        self.arguments = (exercise_ids, examples, options)
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")

    def run(self, students: list[Student], budget: float, started: Started, done: Done) -> None:
        queue = list(students)
        attempts: dict[str, int] = {}
        processes: list[_Process] = []
        try:
            while queue or any(p.task for p in processes):
                idle = [p for p in processes if p.task is None]
                while queue and (idle or len(processes) < self.jobs):
                    process = idle.pop() if idle else self._start(processes)
                    student = queue.pop(0)
                    process.task = (student, time.monotonic())
                    process.connection.send((str(student.folder), budget, student.files, student.lang))
                    started(student.name)
                busy = [p for p in processes if p.task]
                ready = wait([p.connection for p in busy] + [p.process.sentinel for p in busy], timeout=1.0)
                for process in busy:
                    student, since = process.task
                    name = student.name
                    if process.connection in ready:
                        try:
                            record = process.connection.recv()
                        except (EOFError, OSError):
                            record = None
                        if record is not None:
                            process.task = None
                            done(name, record)
                            continue
                    dead = not process.process.is_alive() or process.connection in ready
                    overdue = time.monotonic() - since > budget + GRACE_SECONDS
                    if not (dead or overdue):
                        continue
                    process.kill()
                    processes.remove(process)
                    attempts[name] = attempts.get(name, 0) + 1
                    if overdue:
                        done(name, _crashed(student, self.arguments[0], Status.TIMEOUT, N_(
                            "still running {seconds} s after it started: its grading process was stopped"),
                            seconds=float(budget + GRACE_SECONDS)))
                    elif attempts[name] >= 2:
                        done(name, _crashed(student, self.arguments[0], Status.ERROR, N_(
                            "the grading process died twice (exit code {code})"), code=process.process.exitcode))
                    else:
                        queue.insert(0, student)  # once more, in a fresh process
        finally:
            for process in processes:
                try:
                    process.connection.send(None)
                except OSError:
                    pass
                process.process.join(timeout=5)
                if process.process.is_alive():
                    process.kill()

    def _start(self, processes: list[_Process]) -> _Process:
        process = _Process(self.context, *self.arguments)
        processes.append(process)
        return process


def _crashed(student: Student, exercise_ids: tuple[str, ...], status: Status, why: str, **params: object) -> Record:
    """The record of a student whose grading could not finish, in their language: `why` is a
    sentence marked N_ where it is written, said here with its params (a float is a number shown)."""
    with speaking(student.lang):
        return crashed_record(student.folder, exercise_ids, said(why, **params), status)


# -- Dask ---------------------------------------------------------------------------------

def grade_archive(name: str, data: bytes, left_out: tuple[LeftOut, ...], exercise_ids: tuple[str, ...],
                  examples: int | None, options: dict, budget: float, lang: str) -> Record:
    """What a Dask worker runs: unpack the submission (grader.submission.files.unpack checks every
    member) into a scratch folder named as the student, grade it as a local batch does (fixtures
    made once per worker process) in the student's language, return the record."""
    with tempfile.TemporaryDirectory(prefix="cnngrade-task-") as scratch:
        folder = Path(scratch) / name
        try:
            files = unpack(data, folder, left_out)
        except Refused as exc:
            with speaking(lang):
                return crashed_record(folder, exercise_ids,
                                      _("the submission could not be unpacked: {error}", error=exc))
        return grade_student(folder, exercise_ids, examples, worker_fixtures(options), budget, files,
                             lang).to_record()


class ClusterError(Exception):
    """The cluster cannot be used (the user's mistake: a wrong address); one line."""


class DaskRunner:
    """Students as tasks on a Dask cluster: address "tcp://HOST:PORT", or "local" for a
    LocalCluster of `jobs` worker processes on this machine."""

    def __init__(self, address: str, jobs: int, exercise_ids: tuple[str, ...], examples: int | None, options: dict):
        self.address = address
        self.jobs = jobs
        self.arguments = (exercise_ids, examples, options)

    def run(self, students: list[Student], budget: float, started: Started, done: Done) -> None:
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        if self.address == "local":
            # Not daemonic: a worker may then start the helper processes a grading can use.
            import dask

            dask.config.set({"distributed.worker.daemon": False})
            cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        try:
            client = Client(cluster if cluster is not None else self.address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(_("cannot reach the Dask scheduler at {address}: {error}", address=self.address,
                                 error=exc).replace("\n", " ")) from None
        try:
            futures = {}
            for student in students:
                name, files = student.name, student.files
                try:
                    data = files.archive()
                except Refused as exc:  # a file changed since it was walked
                    done(name, _crashed(student, self.arguments[0], Status.ERROR,
                                        N_("cannot send the submission: {error}"), error=exc))
                    continue
                # The key names no student: a folder name may hold any bytes, and keys are text.
                digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
                future = client.submit(grade_archive, name, data, files.left_out, *self.arguments, budget,
                                       student.lang, pure=False,
                                       key=f"cnngrade-{digest}-{os.getpid()}-{time.monotonic_ns()}")
                futures[future] = student
                started(name)
            for future in as_completed(list(futures)):
                student = futures[future]
                try:
                    done(student.name, future.result())
                except Exception as exc:  # noqa: BLE001  (KilledWorker and the like: a row, not the batch)
                    done(student.name, _crashed(student, self.arguments[0], Status.ERROR,
                                                N_("the cluster could not grade it: {error}"),
                                                error=f"{type(exc).__name__}: {exc}"))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def runner(scheduler: str | None, jobs: int, exercise_ids: Iterable[str], examples: int | None, options: dict):
    ids = tuple(exercise_ids)
    if scheduler:
        return DaskRunner(scheduler, jobs, ids, examples, options)
    return LocalPool(jobs, ids, examples, options)
