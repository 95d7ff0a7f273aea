"""The grader's side of the trust boundary: start, feed, time and kill the sandboxed worker.

What it says for people (a call that timed out, a worker that died) is said through `Terms.say`,
in the language the engine chose (grader.sandbox imports nothing of the engine: a sentence is
marked N_ here, for the engine's catalog, and said by the engine's function). The worker imports
no catalog: it reports codes (a blocked import, a view of the file system it could not build),
which are phrased here; its replies are never taken as sentences to format.
"""
from __future__ import annotations

import inspect
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Protocol

from grader.sandbox import wire
from grader.sandbox.wire import Answer

WORKER = Path(__file__).with_name("worker.py")
OUTPUT_CAP = 8192
PYTHON = "python"  # the engine's own worker kind: imports the student's module, calls its functions
_SURROGATES = re.compile("[\ud800-\udfff]")


def N_(message: str, /) -> str:
    """Marks a sentence for the engine's catalog (pybabel's keyword); Terms.say says it."""
    return message


def english(message: str, /, **params: object) -> str:
    """A sentence said in English, a float among its params as Python's %g: what a sandbox says
    unless the engine gives it its own `say` (Terms)."""
    return message.format(**{k: format(v, "g") if isinstance(v, float) else v for k, v in params.items()})


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker; wall_seconds applies to every call."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 600
    memory_bytes: int = 2 << 30
    file_bytes: int = 64 << 20
    open_files: int = 256
    processes: int = 64

    def for_worker(self) -> dict:
        return {"cpu_seconds": self.cpu_seconds, "memory_bytes": self.memory_bytes,
                "file_bytes": self.file_bytes, "open_files": self.open_files,
                "processes": self.processes}


@dataclass(frozen=True)
class Deadline:
    """A wall-clock budget shared by every request of one submission (batch --student-timeout)."""

    at: float  # time.monotonic() when it runs out
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float:
        return self.at - time.monotonic()


@dataclass
class Outcome:
    """What one request to the worker came to (status), with its value or error."""

    status: Answer
    value: Any = None
    error: str = ""
    where: dict = field(default_factory=dict)
    traceback: str = ""
    mutated: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def namespaces_available() -> bool:
    """Whether `unshare` can give the worker its own user, mount, PID and network namespaces and the
    worker can build its own view of the file system in them (tried once per process: a worker
    that then fails to is a fault, never a quiet fallback)."""
    if shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory(prefix="cnngrade-probe-") as scratch:
        try:
            done = subprocess.run(_unshare_prefix() + [sys.executable, "-I", str(WORKER), "--probe", scratch],
                                  capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return done.returncode == 0


def _unshare_prefix() -> list[str]:
    return ["unshare", "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork",
            "--kill-child", "--mount-proc"]


def _pids_cgroup_root() -> Path | None:
    """A cgroup folder where we may create children with pids.max (cgroup v1 or v2), if any."""
    for root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup")):
        if (root / "cgroup.procs").exists() and os.access(root, os.W_OK):
            probe = root / f"cnngrade-probe-{os.getpid()}"
            try:
                probe.mkdir(exist_ok=True)
                has_max = (probe / "pids.max").exists()
                probe.rmdir()
            except OSError:
                continue
            if has_max:
                return root
    return None


class ProcessCap:
    """A pids cgroup that caps the worker's processes and threads, even for root (for whom
    RLIMIT_NPROC does nothing): a fork bomb stops at the cap instead of filling the machine."""

    _root = None
    _probed = False

    def __init__(self, limit: int):
        if not ProcessCap._probed:
            ProcessCap._root, ProcessCap._probed = _pids_cgroup_root(), True
        self.path: Path | None = None
        if ProcessCap._root is None:
            return
        path = ProcessCap._root / f"cnngrade-{os.getpid()}-{id(self)}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(limit))
            self.path = path
        except OSError:
            self.path = None

    def wrap(self, command: list[str]) -> list[str]:
        """The command, started from inside the cgroup so nothing it forks escapes the cap."""
        if self.path is None:
            return command
        return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.path), *command]

    def remove(self) -> None:
        if self.path is not None:
            for _ in range(50):
                try:
                    self.path.rmdir()
                    break
                except OSError:
                    time.sleep(0.01)
            self.path = None


@dataclass(frozen=True)
class Terms:
    """What the engine tells a sandbox (the sandbox imports nothing of it; the caller decides):

    hide: folders the worker must not see even where its view holds them (the grader, the packs
    and the packages a submission may not import, when installed among the worker's packages; the
    grader's cache and the packs' data sets, in the fallback without namespaces, where there is no
    view); blocked: the top-level packages student code may not import, however spelled;
    wire_types: the classes whose values may cross the wire as data (each with wire_name,
    to_wire, from_wire; the worker loads each from its file before its view is built); say: how a
    sentence of the sandbox is said to people (the engine's: in the grading's language).
    """

    hide: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()
    wire_types: tuple[type, ...] = ()
    say: Callable[..., str] = english

    def described_types(self) -> list[dict]:
        """The wire types registered here, and where the worker loads them from."""
        described = []
        for cls in self.wire_types:
            wire.register(cls)
            described.append({"module": str(Path(inspect.getfile(cls)).resolve()), "class": cls.__qualname__})
        return described


def _clean(value: Any) -> Any:
    """A reply's text with lone surrogates (which no file or terminal can encode) replaced."""
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


class WorkerKind(Protocol):
    """A pack's kind of worker, as the sandbox needs it (grader.plugins.WorkerKind is one)."""

    module: Path
    runs_student_code: bool


class Files(Protocol):
    """A submission's files, as the sandbox needs them (grader.submission.files.Manifest is one)."""

    folder: Path

    def copy_into(self, target: Path) -> None:
        """Write every file, as a regular file, into the new folder `target`."""


class Sandbox:
    """A scratch copy of a submission folder and a worker process serving it, restarted on demand.

    files: the submission's files (grader.submission.files.Manifest: regular files, links resolved
    by the caller), copied into the scratch folder, which is all the worker sees of it; folder is
    where they came from. worker None: the engine's own python kind, which imports the student's
    module and calls its functions; else a pack's WorkerKind, which answers `ask` requests (and may
    never run student code). terms: what to hide and to block, and the wire types (the caller's
    decision: Terms).
    generated: files written into the scratch copy, name -> text, over what the folder holds (the
    module cut out of a notebook, as cnn.py): made by the trusted side as text, run only here.
    notices: what the checks said about how the submission was read (sandbox.notice), for the report.
    options: the packs' option values, for the checks that read them (data, never sent to the worker).
    open_companion(kind, limits): opens a sandbox of another worker kind on the same files, on the
    caller's terms (see companion).
    """

    def __init__(self, files: Files, limits: Limits = Limits(), worker: WorkerKind | None = None,
                 module: str = "cnn", terms: Terms = Terms(), deadline: "Deadline | None" = None,
                 generated: dict[str, str] | None = None, options: dict | None = None,
                 open_companion: "Callable[[str, Limits], Sandbox] | None" = None):
        self.folder = Path(files.folder)
        self.options = dict(options or {})
        self._open_companion = open_companion
        self.deadline = deadline
        self.limits = limits
        self.worker_kind = worker
        self.runs_student_code = worker is None or worker.runs_student_code
        self.module = module
        self.terms = terms
        self.scratch = Path(tempfile.mkdtemp(prefix="cnngrade-"))
        try:
            files.copy_into(self.scratch / "submission")
            for name, text in (generated or {}).items():
                target = self.scratch / "submission" / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                elif target.is_symlink() or target.exists():
                    target.unlink()
                target.write_text(text, encoding="utf-8", errors="replace")
            (self.scratch / "tmp").mkdir()
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        self.notices: list[str] = []
        self.companions: dict[tuple, Sandbox] = {}
        self.process: subprocess.Popen | None = None
        self.imported: Outcome | None = None
        self.isolation: dict = {}

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for companion in self.companions.values():
            companion.close()
        self._kill()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def companion(self, kind: str, limits: Limits) -> "Sandbox":
        """A sandbox of another worker kind on the same submission (e.g. a fallback a check turns
        to), with the same options and time budget; started at its first request, closed with
        this one. Its notices are this one's to give."""
        key = (kind, limits)
        if key not in self.companions:
            if self._open_companion is None:
                raise ValueError("no open_companion was given")  # i18n: not for people (a pack bug)
            self.companions[key] = self._open_companion(kind, limits)
        return self.companions[key]

    def notice(self, text: str) -> None:
        """Say how the submission was read (e.g. which file was graded): one line in the report."""
        if text not in self.notices:
            self.notices.append(text)

    def student_output(self) -> str:
        """What the student code printed, capped ('' for a worker that runs none: what a framework
        logs while it loads a file is not the student's output)."""
        if not self.runs_student_code:
            return ""
        try:
            with open(self.scratch / "output.txt", "rb") as handle:
                return handle.read(OUTPUT_CAP).decode("utf-8", "replace")
        except OSError:
            return ""

    # -- requests -------------------------------------------------------------------------

    def import_module(self) -> Outcome:
        """Import the student's module (once per worker); the outcome lists its functions."""
        self._ensure_started()
        if self.imported is None:
            self.imported = self._request({"op": "import"}, self.limits.wall_seconds)
        return self.imported

    def call(self, function: str, args: tuple = (), kwargs: dict | None = None,
             wall_seconds: float | None = None) -> Outcome:
        """Call a student function; a dead or hung worker is replaced before the next call."""
        imported = self.import_module()
        if imported.status != Answer.OK:
            return imported
        if function not in imported.info.get("functions", []):
            return Outcome(Answer.MISSING)
        return self._request({"op": "call", "function": function},
                             wall_seconds or self.limits.wall_seconds,
                             {"args": list(args), "kwargs": dict(kwargs or {})})

    def ask(self, request: dict, values: dict | None = None, wall_seconds: float | None = None) -> Outcome:
        """A request to a pack's worker kind, answered by its handle(folder, request)."""
        self._ensure_started()
        return self._request({"op": "ask", **request}, wall_seconds or self.limits.wall_seconds, values)

    # -- the process ----------------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self._kill()
        self.imported = None
        use_namespaces = namespaces_available()
        config = {
            "scratch": str(self.scratch), "module": self.module,
            "kind_module": str(self.worker_kind.module) if self.worker_kind else None,
            "wire_types": self.terms.described_types(), "limits": self.limits.for_worker(),
            "namespaces": use_namespaces, "hide": list(self.terms.hide),
            "blocked": list(self.terms.blocked) if self.runs_student_code else [],
        }
        command = [sys.executable, "-I", str(WORKER), json.dumps(config)]
        if use_namespaces:
            command = _unshare_prefix() + command
        self.cap = ProcessCap(self.limits.processes)
        command = self.cap.wrap(command)
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.scratch, env=self._environment(use_namespaces), start_new_session=True)
        # Starting Python and NumPy (and whatever a pack's worker kind loads) has its own allowance.
        ready = self._receive(time.monotonic() + 120)
        if ready.status != Answer.READY:
            raise RuntimeError(self.terms.say(N_("the sandbox worker did not start: {reason}"),
                                              reason=ready.error or ready.status.value))
        self.isolation = {k: ready.info.get(k) for k in ("network_isolated", "confined", "view", "hidden", "read_only")}
        self.isolation["process_cap"] = self.cap.path is not None

    def _environment(self, confined: bool) -> dict:
        # Confined, the worker's /tmp is its scratch folder's tmp (see worker.confine).
        tmp = "/tmp" if confined else str(self.scratch / "tmp")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
               "TMPDIR": tmp, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "CUDA_VISIBLE_DEVICES": ""}
        # Some processors need these for OpenBLAS to compute correctly at all.
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def _request(self, header: dict, wall_seconds: float, values: dict | None = None) -> Outcome:
        if self.deadline is not None:
            remaining = self.deadline.remaining()
            if remaining <= 0:
                return Outcome(Answer.TIMEOUT, error=self._budget_spent())
            if remaining < wall_seconds:
                outcome = self._send_and_wait(header, remaining, values)
                if outcome.status == Answer.TIMEOUT:
                    outcome.error = self._budget_spent()
                return outcome
        return self._send_and_wait(header, wall_seconds, values)

    def _budget_spent(self) -> str:
        return self.terms.say(N_("was not graded: this submission's time budget of {seconds} s ran out"),
                              seconds=float(self.deadline.seconds))

    def _send_and_wait(self, header: dict, wall_seconds: float, values: dict | None) -> Outcome:
        try:
            wire.send(self.process.stdin, header, values)
        except (BrokenPipeError, OSError):
            return self._died()
        return self._receive(time.monotonic() + wall_seconds, wall_seconds)

    def _receive(self, deadline: float, wall_seconds: float | None = None) -> Outcome:
        reader = _DeadlineReader(self.process.stdout.fileno(), deadline)
        try:
            reply = wire.receive(reader, ("value",))
        except TimeoutError:
            self._kill()
            return Outcome(Answer.TIMEOUT, error=self.terms.say(N_("no answer within {seconds} s of wall time"),
                                                                seconds=float(wall_seconds or 0)))
        except EOFError:
            return self._died()
        except (wire.WireError, ValueError) as exc:
            self._kill()
            return Outcome(Answer.CRASHED, error=self.terms.say(N_("the worker sent a malformed reply ({error})"),
                                                                error=str(exc)))
        reply = _clean(reply)
        status = Answer.of(reply.pop("status", None))
        return Outcome(status, value=reply.pop("value", None), error=self._error(status, reply),
                       where=reply.pop("where", None) or {}, traceback=reply.pop("traceback", ""),
                       mutated=reply.pop("mutated", []), info=reply)

    def _error(self, status: Answer, reply: dict) -> str:
        """A reply's error, the worker's codes phrased (its text is shown as it is, never formatted)."""
        error = reply.pop("error", "")
        blocked, code = reply.pop("blocked", None), reply.pop("code", None)
        if status == Answer.RAISED and isinstance(blocked, str):
            return self.terms.say(N_("ImportError: importing {module} is not allowed in a submission (cnngrade)"),
                                  module=blocked)
        if status == Answer.CRASHED and code == "confinement":
            return self.terms.say(N_("the worker could not build its view of the file system ({error})"),
                                  error=error)
        return error

    def _died(self) -> Outcome:
        code = self.process.wait() if self.process else None
        self._kill()
        if code is not None and code < 0:
            number = -code
            if number == signal.SIGXCPU:
                return Outcome(Answer.TIMEOUT, error=self.terms.say(N_("used more than {seconds} s of CPU time"),
                                                                    seconds=float(self.limits.cpu_seconds)))
            name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
            return Outcome(Answer.CRASHED, error=self.terms.say(N_("the process was killed by {signal}"), signal=name))
        return Outcome(Answer.CRASHED, error=self.terms.say(N_("the process exited with code {code} (os._exit or a "
                                                               "crash)"), code=str(code)))

    def _kill(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.cap.remove()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.process = None


class _DeadlineReader:
    """A read(n) over a pipe that gives up at a deadline, so a hung worker cannot hang the grader."""

    def __init__(self, fd: int, deadline: float):
        self.fd = fd
        self.deadline = deadline

    def read(self, n: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
            raise TimeoutError
        return os.read(self.fd, min(n, 1 << 20))
