"""Where the grader keeps what it derives (trained reference models, Hypothesis' own files)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """$CNNGRADE_CACHE, else $XDG_CACHE_HOME/cnngrade, else ~/.cache/cnngrade. Hidden from every
    sandbox, so that no submission reads what a pack derived from its data."""
    if os.environ.get("CNNGRADE_CACHE"):
        return Path(os.environ["CNNGRADE_CACHE"]).expanduser().resolve()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser()
    return (base / "cnngrade").resolve()
