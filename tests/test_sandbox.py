"""The trust boundary, exercised with real processes and real limits (no mocks)."""
from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import wire
from grader.grading.sandboxes import open_sandbox
from grader.sandbox.client import Limits, namespaces_available

ROOT = Path(__file__).resolve().parents[1]

PROBES = '''
import os, socket, sys
import numpy as np

def exists(path):
    return int(os.path.exists(path))

def listing(path):
    try:
        return len(os.listdir(path))
    except OSError:
        return -1

def write(path):
    with open(path, "w") as handle:
        handle.write("owned")
    return 1

def connect(port):
    socket.create_connection(("127.0.0.1", int(port)), timeout=2)
    return 1

def load(name):
    import importlib
    importlib.import_module(name)
    return 1

def shout(n):
    print("x" * int(n))
    return 1

def hang():
    while True:
        pass

def allocate():
    return np.ones((1024, 1024, 1024))

def leave(code):
    sys.exit(int(code))

def vanish(code):
    os._exit(int(code))

def fork_bomb():
    while True:
        try:
            os.fork()
        except OSError:
            pass

def modify(x):
    x[...] = 0
    return x.sum()

def strange():
    return {1, 2}

def objects():
    return np.array([{}, []], dtype=object)

def pickled():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned",))
    return Evil()
'''


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("probes")
    (folder / "cnn.py").write_text(PROBES)
    (folder / "answers.py").symlink_to(ROOT / "reference" / "__init__.py")  # an uploaded symlink
    with open_sandbox(folder, Limits(wall_seconds=3, memory_bytes=1 << 30)) as box:
        assert box.import_module().status == "ok"
        yield box


def test_a_hang_is_killed_at_the_wall_limit_and_the_worker_restarts(sandbox):
    outcome = sandbox.call("hang")
    assert outcome.status == "timeout"
    assert sandbox.call("exists", ("/",)).value == 1


def test_a_memory_bomb_hits_the_address_space_limit(sandbox):
    assert sandbox.call("allocate").status == "memory"
    assert sandbox.call("exists", ("/",)).status == "ok"


def test_sys_exit_is_an_error_not_an_exit(sandbox):
    outcome = sandbox.call("leave", (3,))
    assert outcome.status == "raised" and "SystemExit" in outcome.error


def test_os_exit_kills_only_the_worker(sandbox):
    outcome = sandbox.call("vanish", (7,))
    assert outcome.status == "crashed" and "code 7" in outcome.error
    assert sandbox.call("exists", ("/",)).value == 1


def test_forbidden_imports_are_refused_however_spelled(sandbox):
    for name in ("tensorflow", "keras", "scipy", "torch", "grader", "reference", "exercises"):
        outcome = sandbox.call("load", (name,))
        assert outcome.status == "raised" and "not allowed" in outcome.error, name


def test_in_place_modification_is_reported(sandbox):
    outcome = sandbox.call("modify", (np.ones(3),))
    assert outcome.status == "ok" and outcome.mutated == ["argument 1"]


def test_only_plain_data_comes_back(sandbox):
    assert isinstance(sandbox.call("strange").value, wire.Unsupported)
    assert isinstance(sandbox.call("objects").value, wire.Unsupported)
    outcome = sandbox.call("pickled")
    assert isinstance(outcome.value, wire.Unsupported)


def test_printing_is_captured_and_capped(sandbox):
    assert sandbox.call("shout", (100_000,)).value == 1
    output = sandbox.student_output()
    assert output.startswith("x" * 1000) and len(output) <= 8192


def test_isolation_layers_are_in_force_where_the_os_allows(sandbox):
    if not namespaces_available():
        pytest.fail("unshare is unavailable: the sandbox would run without namespaces")
    assert sandbox.isolation["network_isolated"] is True
    assert sandbox.isolation["confined"] is True and sandbox.isolation["read_only"] is True


def test_the_grader_sources_are_invisible_to_student_code(sandbox):
    for folder in ("grader", "reference", "exercises"):
        assert sandbox.call("listing", (str(ROOT / folder),)).value == -1, folder  # not there at all


def test_a_symlink_in_the_folder_does_not_reach_what_the_sandbox_hides(sandbox):
    assert sandbox.call("exists", ("answers.py",)).value == 0
    assert sandbox.call("load", ("answers",)).status == "raised"


def test_student_code_cannot_write_outside_its_scratch_folder(sandbox, tmp_path):
    target = tmp_path / "owned.txt"
    outcome = sandbox.call("write", (str(target),))
    assert outcome.status == "raised" and not target.exists()
    assert sandbox.call("write", ("mine.txt",)).value == 1  # its own scratch copy is writable


def test_there_is_no_network(sandbox):
    outcome = sandbox.call("connect", (22,))
    assert outcome.status == "raised"


def test_a_fork_bomb_is_contained_and_killed(sandbox):
    outcome = sandbox.call("fork_bomb")
    assert outcome.status in ("timeout", "crashed")
    assert sandbox.call("exists", ("/",)).value == 1


def test_the_wire_never_unpickles():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.decode({"$array": 0}, [buffer.getvalue()])


def test_the_wire_refuses_oversized_frames():
    stream = io.BytesIO(wire._LENGTH.pack(wire.MAX_JSON_BYTES + 1) + b"{}")
    with pytest.raises(wire.WireError):
        wire.receive(stream)


def test_an_import_error_names_file_and_line(tmp_path):
    (tmp_path / "cnn.py").write_text(textwrap.dedent('''
        import numpy as np

        def relu(x):
            return np.maximum(x, 0
    '''))
    with open_sandbox(tmp_path) as box:
        outcome = box.import_module()
    assert outcome.status == "raised"
    assert outcome.where == {"file": "cnn.py", "line": 5}
    assert "SyntaxError" in outcome.error


def test_helpers_in_other_files_of_the_folder_import(tmp_path):
    (tmp_path / "helpers.py").write_text("def twice(x):\n    return 2 * x\n")
    (tmp_path / "cnn.py").write_text("from helpers import twice\n\ndef relu(x):\n    return twice(x)\n")
    with open_sandbox(tmp_path) as box:
        assert box.call("relu", (np.ones(2),)).value.tolist() == [2.0, 2.0]


def test_scratch_folders_are_removed(tmp_path):
    (tmp_path / "cnn.py").write_text("def relu(x):\n    return x\n")
    box = open_sandbox(tmp_path)
    box.call("relu", (np.ones(1),))
    scratch = box.scratch
    box.close()
    assert not scratch.exists() and not os.path.exists(scratch)
