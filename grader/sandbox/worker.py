"""The sandboxed worker: the only process that ever runs student code.

Started by grader.sandbox.client as `python -I worker.py CONFIG_JSON` (inside fresh user, mount,
network and PID namespaces where the OS allows). It limits itself, hides the grader's sources,
refuses forbidden imports, then serves requests from the grader over stdin/stdout in the format
of wire.py. Student output goes to a capped file, never to the channel. This file may only
use the standard library and NumPy: it must not import anything of the grader.
"""
from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import resource
import signal
import sys
import time
import traceback
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _load_by_path(name: str, path: Path):
    """Load a sibling module under a name no student file can shadow."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


wire = _load_by_path("_cnngrade_wire", _HERE / "wire.py")

import numpy as np  # noqa: E402  (after the wire module, which is loaded by path)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x2, 0x4, 0x1000, 0x4000, 0x40000
MOUNT_ATTR_RDONLY, AT_RECURSIVE, AT_FDCWD = 0x1, 0x8000, -100
SYS_MOUNT_SETATTR = 442  # the same number on x86_64 and aarch64


class ImportBlocker:
    """A meta path finder that refuses packages a submission may not use, however imported."""

    def __init__(self, blocked: list[str]):
        self.blocked = {name.lower() for name in blocked}

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top.lower() in self.blocked:
            raise ImportError(f"importing {top} is not allowed in a submission (cnngrade)")
        return None


def apply_limits(limits: dict) -> None:
    for key, rlimit in (("cpu_seconds", resource.RLIMIT_CPU), ("memory_bytes", resource.RLIMIT_AS),
                        ("file_bytes", resource.RLIMIT_FSIZE), ("open_files", resource.RLIMIT_NOFILE),
                        ("processes", resource.RLIMIT_NPROC)):
        value = limits.get(key)
        if value:
            resource.setrlimit(rlimit, (value, value))
    # A write past the file-size limit should fail with an error, not kill the worker.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def lock_filesystem(hide: list[str], writable: str) -> dict:
    """Hide the grader's sources and make every mount read-only except the scratch folder.

    Only possible inside a private mount namespace where we hold CAP_SYS_ADMIN (the client starts
    us in fresh user, mount, PID and network namespaces when the OS allows); else a no-op.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return {"hidden": 0, "read_only": False}
    libc.mount(writable.encode(), writable.encode(), None, MS_BIND | MS_REC, None)
    hidden = sum(
        1 for path in hide
        if os.path.isdir(path) and libc.mount(b"tmpfs", path.encode(), b"tmpfs",
                                              MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k") == 0)
    read_only = _mount_setattr(libc, "/", AT_RECURSIVE, set_=MOUNT_ATTR_RDONLY) \
        and _mount_setattr(libc, writable, 0, clear=MOUNT_ATTR_RDONLY)
    return {"hidden": hidden, "read_only": read_only}


def _mount_setattr(libc, path: str, flags: int, set_: int = 0, clear: int = 0) -> bool:
    attr = _MountAttr(set_, clear, 0, 0)
    return libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, path.encode(), flags,
                        ctypes.byref(attr), ctypes.sizeof(attr)) == 0


def network_isolated() -> bool:
    """True when the only interface is loopback (a fresh network namespace)."""
    import socket

    try:
        return {name for _, name in socket.if_nameindex()} <= {"lo"}
    except OSError:
        return False


def student_traceback(exc: BaseException, folder: str) -> str:
    """The traceback restricted to frames in the student's files, paths relative to the folder."""
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(folder + os.sep):
            rel = os.path.relpath(frame.filename, folder)
            lines.append(f'  File "{rel}", line {frame.lineno}, in {frame.name}\n    {frame.line or ""}')
    lines.append(f"{type(exc).__name__}: {exc}")
    return "\n".join(lines)


def error_location(exc: BaseException, folder: str) -> dict:
    """File and line of the innermost student frame (or of a syntax error)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return {"file": os.path.relpath(exc.filename, folder), "line": exc.lineno}
    where = {"file": None, "line": None}
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(folder + os.sep):
            where = {"file": os.path.relpath(frame.filename, folder), "line": frame.lineno}
    return where


def describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, SyntaxError):
        text = exc.msg
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Worker:
    def __init__(self, config: dict):
        self.folder = os.path.realpath(config["folder"])
        self.module_name = config["module"]
        self.module = None
        # A pack's worker kind (e.g. one that only loads model files) answers "ask" requests.
        self.kind = _load_by_path("_cnngrade_kind", Path(config["kind_module"])) if config.get("kind_module") else None
        for i, described in enumerate(config.get("wire_types", [])):
            module = _load_by_path(f"_cnngrade_wire_type_{i}", Path(described["module"]))
            wire.register(getattr(module, described["class"]))

    def serve(self, channel_in, channel_out) -> None:
        while True:
            try:
                request = wire.receive(channel_in, ("args", "kwargs"))
            except EOFError:
                return
            try:
                reply, values = self.handle(request)
                _flush_prints()
                try:
                    wire.send(channel_out, reply, values)
                except wire.WireError as exc:  # e.g. an object array: encoding fails before any byte is sent
                    wire.send(channel_out, reply, {"value": wire.Unsupported(str(exc))})
            except BaseException as exc:  # noqa: BLE001  (the grader must get an answer, whatever broke)
                wire.send(channel_out, {"status": wire.Answer.CRASHED, "error": f"worker: {describe(exc)}"})

    def handle(self, request: dict):
        op = request.get("op")
        if op == "import" and self.kind is None:
            return self.do_import()
        if op == "call" and self.kind is None:
            return self.do_call(request)
        if op == "ask" and self.kind is not None:
            return self.kind.handle(self.folder, request)
        return {"status": wire.Answer.CRASHED, "error": f"unknown request {op!r}"}, {}

    def do_import(self):
        sys.path.insert(0, self.folder)
        try:
            self.module = importlib.import_module(self.module_name)
        except MemoryError:
            return {"status": wire.Answer.MEMORY}, {}
        except BaseException as exc:  # noqa: BLE001  (SystemExit at import is the student's too)
            return {"status": wire.Answer.RAISED, "error": describe(exc), "where": error_location(exc, self.folder),
                    "traceback": student_traceback(exc, self.folder)}, {}
        functions = sorted(name for name, value in vars(self.module).items()
                           if callable(value) and not name.startswith("_"))
        return {"status": wire.Answer.OK, "functions": functions}, {}

    def do_call(self, request: dict):
        name = request["function"]
        function = getattr(self.module, name, None)
        if not callable(function):
            return {"status": wire.Answer.MISSING}, {}
        args, kwargs = request.get("args", []), request.get("kwargs", {})
        before = [_snapshot(v) for v in args] + [_snapshot(v) for v in kwargs.values()]
        start = time.perf_counter()
        try:
            value = function(*args, **kwargs)
        except NotImplementedError:
            return {"status": wire.Answer.MISSING, "reason": "not implemented yet (it raises NotImplementedError)"}, {}
        except MemoryError:
            return {"status": wire.Answer.MEMORY}, {}
        except RecursionError as exc:
            return {"status": wire.Answer.RAISED, "error": describe(exc), "where": error_location(exc, self.folder),
                    "traceback": student_traceback(exc, self.folder)[-2000:]}, {}
        except BaseException as exc:  # noqa: BLE001  (SystemExit, KeyboardInterrupt raised by student code)
            return {"status": wire.Answer.RAISED, "error": describe(exc), "where": error_location(exc, self.folder),
                    "traceback": student_traceback(exc, self.folder)}, {}
        seconds = time.perf_counter() - start
        names = [f"argument {i + 1}" for i in range(len(args))] + [f"argument {k}" for k in kwargs]
        after = list(args) + list(kwargs.values())
        mutated = [n for n, b, a in zip(names, before, after) if not _same(b, a)]
        return {"status": wire.Answer.OK, "seconds": seconds, "mutated": mutated}, {"value": value}


def _flush_prints() -> None:
    """Write what the student code printed to the output file now: the worker may be killed next."""
    for stream in {id(s): s for s in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)}.values():
        try:
            stream.flush()
        except Exception:  # noqa: BLE001  (a full output file, or a stream the student replaced)
            pass


def _snapshot(value):
    return value.copy() if isinstance(value, np.ndarray) else None


def _same(before, after) -> bool:
    if before is None:
        return True
    return (isinstance(after, np.ndarray) and before.shape == after.shape and before.dtype == after.dtype
            and np.array_equal(before, after, equal_nan=True))


def main() -> None:
    config = json.loads(sys.argv[1])
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    worker = Worker(config)  # loads what it needs from the grader before the grader is hidden
    # Before any file is open for writing: a mount with writers cannot be made read-only.
    locked = lock_filesystem(config["hide"], config["scratch"]) if config.get("namespaces") else {}
    # Student prints go to a capped file in the scratch folder, never to the channel.
    output = os.open(config["output"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    apply_limits(config["limits"])
    sys.meta_path.insert(0, ImportBlocker(config["blocked"]))
    for name in list(sys.modules):
        if name.partition(".")[0] in config["blocked"]:
            del sys.modules[name]
    sys.path = [p for p in sys.path if os.path.realpath(p or ".") != str(_HERE)]
    os.chdir(config["folder"])
    sys.dont_write_bytecode = True
    wire.send(channel_out, {"status": wire.Answer.READY, "pid": os.getpid(), "network_isolated": network_isolated(),
                            "hidden": locked.get("hidden", 0), "read_only": locked.get("read_only", False)})
    worker.serve(channel_in, channel_out)


if __name__ == "__main__":
    main()
