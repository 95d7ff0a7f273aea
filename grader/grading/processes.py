"""Helper processes for grading (trusted code: they run the grader, never student code)."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def helper_pool(workers: int) -> ProcessPoolExecutor:
    """Processes that start clean (forkserver: no threads or open sandboxes of this one inherited)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)
