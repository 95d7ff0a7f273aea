"""Files written whole: a reader, or a rerun after kill -9, sees the old file or the new one,
never half of either. The one way cnngrade writes a file that someone else reads."""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PREFIX = ".partial-"  # a temporary file's name starts so: a write killed half-way leaves only such a file


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to (by any means: a library's save, a zip); moved
    into place when the block ends without an exception, removed otherwise. The temporary name
    is short and fixed-length, whatever the target's name (a name near the file system's limit
    must not overflow)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The suffix is kept (a library may insist on its own, e.g. ".npz"), when it is a plain one.
    suffix = path.suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", path.suffix) else ""
    handle, temporary = tempfile.mkstemp(prefix=PREFIX, suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def remove_leftovers(folder: Path) -> None:
    """Remove what a write killed half-way (kill -9, a power cut) left in `folder`: its temporary
    files, never a finished one."""
    for leftover in Path(folder).glob(f"{PREFIX}*"):
        try:
            leftover.unlink()
        except OSError:
            pass


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to `path` whole, synced to disk before it replaces the old file."""
    with atomic_target(path) as temporary:
        with open(temporary, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
