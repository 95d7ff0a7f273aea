"""What makes a folder gradeable, said once for `submit`, `check` and `batch`."""
from __future__ import annotations

import os
from pathlib import Path

MAX_BYTES = 256 << 20  # the folder is copied for every sandbox: a stray data set must not be


def problem(folder: Path) -> str:
    """'' when the folder can be graded, else why not, in words for the person who submitted it."""
    module = folder / "cnn.py"
    if not module.is_file():
        return "there is no cnn.py in the folder"
    if module.is_symlink():
        return "cnn.py is a symbolic link: copy the file itself into the folder"
    size = _size(folder)
    if size > MAX_BYTES:
        return (f"the folder holds {size / (1 << 20):.0f} MiB, more than the {MAX_BYTES >> 20} MiB cnngrade "
                "copies: keep only cnn.py, its helper modules and the files the exercises grade")
    return ""


def _size(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):  # links are not followed: they are copied as links
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
            if total > MAX_BYTES:
                return total  # enough to refuse; no need to walk a huge tree to the end
    return total
