"""The sandboxed worker: the only process that ever runs student code.

Started by grader.sandbox.client as `python -I worker.py CONFIG_JSON` (inside fresh user, mount,
network and PID namespaces where the OS allows). It loads what it needs, builds its own view of
the file system from an allow-list (`confine`: Python, its packages and the scratch copy of the
submission; nothing else of the machine), drops every capability, limits itself, refuses
forbidden imports, then serves requests from the grader over stdin/stdout in the format of wire.py. Student output goes to a capped file, never to the channel. This file may only
use the standard library and NumPy: it must not import anything of the grader, its catalogs
included. What it has to say to people it reports as codes, which the client phrases in the
grading's language (grader.sandbox.client: a blocked import, a view it could not build, a function
not implemented yet); its other words are a protocol's and an OS call's details, not for people.
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

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x2, 0x4, 0x8, 0x1000, 0x4000, 0x40000
MOUNT_ATTR_RDONLY, AT_RECURSIVE, AT_FDCWD, MNT_DETACH = 0x1, 0x8000, -100, 2
SYS_MOUNT_SETATTR = 442  # the same number on x86_64 and aarch64
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)
PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 28, 38, 47, 4
SECURE_NOROOT_ALL = 0x2f  # SECBIT_NOROOT, NO_SETUID_FIXUP and KEEP_CAPS, each locked
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(os.uname().machine)
INSIDE = "/grading"  # where the scratch folder is in the worker's own view
DEVICES = ("null", "zero", "full", "random", "urandom")
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
          "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")


class ImportBlocker:
    """A meta path finder that refuses packages a submission may not use, however imported."""

    def __init__(self, blocked: list[str]):
        self.blocked = {name.lower() for name in blocked}

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top.lower() in self.blocked:
            # The student may read this text (it is an exception of their code); the grader reads
            # the code on the exception, and says it in the grading's language.
            refused = ImportError(f"importing {top} is not allowed in a submission (cnngrade)")  # i18n: not for people (said by the client from cnngrade_blocked)
            refused.cnngrade_blocked = top
            raise refused
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


class ConfinementError(OSError):
    """The worker's own view of the file system could not be built (it then does not serve)."""


def python_view() -> list[str]:
    """What this Python and the packages it imports need, read-only: the system's libraries and the
    interpreter's own folders (its prefix, the virtual environment's, every site-packages). The
    editable installs' source folders and PYTHONPATH are not among them: what a worker loads from
    there it loads before its view is built."""
    import site

    paths = set(SYSTEM) | {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(site.getsitepackages())
    paths.update(p for p in sys.path if p and os.path.basename(p) in ("site-packages", "dist-packages"))
    return sorted(p for p in paths if os.path.isabs(p) and os.path.normpath(p) != "/")


def confine(view: list[str], hide: list[str], scratch: str) -> dict:
    """Give this process a root of its own: only the `view` (read-only), the scratch folder at
    INSIDE (its own, writable), a private /tmp (the scratch's tmp), a /proc of its PID namespace and
    a /dev of five devices. Everything else of the machine (the class, the outputs, other
    gradings, $HOME, the grader's checkout) is not hidden: it is not there. Folders of `hide` that
    fall inside the view (the grader or a pack installed in site-packages) are covered with empty
    read-only folders. Then every capability is dropped, so that student code can neither mount,
    unmount nor make anything writable again.

    Only possible in fresh user and mount namespaces (the client starts us in them when the OS
    allows): ConfinementError otherwise, and the worker does not serve.
    """
    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            error = ctypes.get_errno()
            raise ConfinementError(error, f"{what}: {os.strerror(error)}")

    def mount(source, target, kind, flags, data=None) -> None:
        check(libc.mount(_b(source), _b(target), _b(kind), flags, _b(data)), f"mount {target}")

    if SYS_PIVOT_ROOT is None or SYS_CAPSET is None:
        raise ConfinementError(0, f"no confinement on {os.uname().machine}")  # i18n: not for people (an OS detail)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    root = os.path.join(scratch, "root")
    os.makedirs(root, 0o755, exist_ok=True)  # a worker started again after a kill finds it
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    shown = _bind_view(view, root, mount)
    for name, source in ((INSIDE, scratch), ("/tmp", os.path.join(scratch, "tmp"))):
        os.makedirs(root + name, exist_ok=True)
        mount(source, root + name, None, MS_BIND)
    os.makedirs(root + "/proc")
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(root + "/dev")
    mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for device in DEVICES:
        open(f"{root}/dev/{device}", "w").close()
        mount(f"/dev/{device}", f"{root}/dev/{device}", None, MS_BIND)
    os.makedirs(root + "/dev/shm")
    mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16m,mode=1777")
    hidden = 0
    for path in hide:
        if os.path.isdir(root + path) and not os.path.islink(root + path):
            mount("tmpfs", root + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k")
            hidden += 1
    os.makedirs(root + "/.old")
    os.chdir(root)
    check(libc.syscall(SYS_PIVOT_ROOT, b".", b".old"), "pivot_root")
    os.chroot(".")
    check(libc.umount2(b"/.old", MNT_DETACH), "umount the old root")  # i18n: not for people (an OS detail)
    os.rmdir("/.old")
    os.chdir("/")
    _set_read_only(libc, check, writable=(INSIDE, "/tmp", "/dev/shm", *(f"/dev/{d}" for d in DEVICES)))
    _drop_capabilities(libc, check)
    return {"confined": True, "view": shown, "hidden": hidden, "read_only": True}


def _b(value) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def _bind_view(view: list[str], root: str, mount) -> int:
    """Bind every path of the view at the same place under root (a link such as /bin -> usr/bin
    is made again as the link); a path inside one already bound is there already."""
    bound: list[str] = []
    for path in sorted(os.path.normpath(p) for p in view):
        if any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound) or not os.path.lexists(path):
            continue
        target = root + path
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(path) and os.path.dirname(path) == "/":
            os.symlink(os.readlink(path), target)
            continue
        real = os.path.realpath(path)
        if os.path.isdir(real):
            os.makedirs(target, exist_ok=True)
        elif os.path.isfile(real):
            open(target, "w").close()
        else:
            continue
        mount(real, target, None, MS_BIND | MS_REC)
        bound.append(path)
    return len(bound)


def _set_read_only(libc, check, writable: tuple[str, ...]) -> None:
    """Every mount of the new root read-only, recursively, then the writable ones writable again."""
    for path, flags, attr_set, attr_clr in (("/", AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0),
                                            *((p, 0, 0, MOUNT_ATTR_RDONLY) for p in writable)):
        attr = _MountAttr(attr_set, attr_clr, 0, 0)
        check(libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, path.encode(), flags, ctypes.byref(attr),
                           ctypes.sizeof(attr)), f"mount_setattr {path}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities(libc, check) -> None:
    """No capability left, none to regain by exec (bounding set empty, root's exec fix-up off)."""
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear the ambient capabilities")  # i18n: not for people
    check(libc.prctl(PR_SET_SECUREBITS, SECURE_NOROOT_ALL, 0, 0, 0), "set the secure bits")  # i18n: not for people
    data = (_CapData * 2)()
    check(libc.syscall(SYS_CAPSET, ctypes.byref(_CapHeader(0x20080522, 0)), data), "drop the capabilities")  # i18n: not for people
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")  # i18n: not for people


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


def raised(exc: BaseException, folder: str, traceback_chars: int | None = None) -> dict:
    """The reply to a request whose student code raised: the error, where, the traceback, and the
    code of a blocked import (the client says it)."""
    reply = {"status": wire.Answer.RAISED, "error": describe(exc), "where": error_location(exc, folder),
             "traceback": student_traceback(exc, folder)[-traceback_chars if traceback_chars else 0:]}
    blocked = getattr(exc, "cnngrade_blocked", None)
    if isinstance(blocked, str):
        reply["blocked"] = blocked
    return reply


class Worker:
    def __init__(self, config: dict):
        self.folder = ""  # the submission's copy, as this process sees it (set once its view is built)
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
                wire.send(channel_out, {"status": wire.Answer.CRASHED, "error": f"worker: {describe(exc)}"})  # i18n: not for people (a protocol detail)

    def handle(self, request: dict):
        op = request.get("op")
        if op == "import" and self.kind is None:
            return self.do_import()
        if op == "call" and self.kind is None:
            return self.do_call(request)
        if op == "ask" and self.kind is not None:
            return self.kind.handle(self.folder, request)
        return {"status": wire.Answer.CRASHED, "error": f"unknown request {op!r}"}, {}  # i18n: not for people (a protocol detail)

    def do_import(self):
        sys.path.insert(0, self.folder)
        try:
            self.module = importlib.import_module(self.module_name)
        except MemoryError:
            return {"status": wire.Answer.MEMORY}, {}
        except BaseException as exc:  # noqa: BLE001  (SystemExit at import is the student's too)
            return raised(exc, self.folder), {}
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
            return {"status": wire.Answer.MISSING, "reason": "not_implemented"}, {}
        except MemoryError:
            return {"status": wire.Answer.MEMORY}, {}
        except RecursionError as exc:
            return raised(exc, self.folder, 2000), {}
        except BaseException as exc:  # noqa: BLE001  (SystemExit, KeyboardInterrupt raised by student code)
            return raised(exc, self.folder), {}
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
    if sys.argv[1] == "--probe":  # can a view be built here? (the client asks once, in a throwaway folder)
        os.makedirs(os.path.join(sys.argv[2], "tmp"))
        confine(python_view(), [], sys.argv[2])
        return
    config = json.loads(sys.argv[1])
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    worker = Worker(config)  # loads what it needs from the grader before its view is built
    scratch = config["scratch"]
    isolation = {"confined": False, "view": 0, "hidden": 0, "read_only": False}
    if config.get("namespaces"):
        # Before any file is open for writing: a mount with writers cannot be made read-only.
        try:
            isolation = confine(python_view(), config["hide"], scratch)
        except OSError as exc:
            wire.send(channel_out, {"status": wire.Answer.CRASHED, "code": "confinement", "error": str(exc)})
            return
        scratch = INSIDE
    worker.folder = os.path.join(scratch, "submission")
    # Student prints go to a capped file in the scratch folder, never to the channel.
    output = os.open(os.path.join(scratch, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
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
    os.chdir(worker.folder)
    sys.dont_write_bytecode = True
    wire.send(channel_out, {"status": wire.Answer.READY, "pid": os.getpid(), "network_isolated": network_isolated(),
                            **isolation})
    worker.serve(channel_in, channel_out)


if __name__ == "__main__":
    main()
