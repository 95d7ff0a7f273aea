"""The trusted side of the model workers (shared by the model-graded exercises): which file to grade,
one request about it, its answer as data, and what a failed answer costs the check.

A request goes to the exercise's own sandbox, the numpy_model worker (the file read as data, run
on the course's NumPy reference). A model outside the layer catalogue is answered there with the
reason ("fallback"); the request then goes to a companion sandbox of the keras worker (Keras on
TensorFlow), and the report's notices say which layer sent the model there: a notice, not a
penalty. With --keras-models every request goes to the keras worker.
"""
from __future__ import annotations

from grader.pack import Answer, Limits, StudentFault, check_status

MODEL_FILE = "model.keras"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")  # what a saved Keras model is called
KERAS = "keras"
# The keras worker, measured by bench/model_check.py (2 cores, the course model and the transfer
# model): VmPeak about 2.1 GiB (TensorFlow maps far more than it touches; VmHWM about 0.8 GiB) and
# 7 threads. RLIMIT_AS is twice that peak, so that --jobs N workers fit N x 4 GiB of address space
# (bounded model files cannot inflate past it: exercises/models/model_files.py); threads as
# TensorFlow's pools need on a many-core machine. wall_seconds covers the first request: importing
# TensorFlow inside the worker (3-15 s, slower on a loaded machine), loading the model, predicting.
KERAS_LIMITS = Limits(wall_seconds=240, cpu_seconds=900, memory_bytes=4 << 30, processes=512)


def choose(names, expected: str = MODEL_FILE) -> tuple[str | None, str]:
    """Which of a folder's file names is the model to grade: (name, notice) or (None, why not).

    `expected` when it is there (notice ''); else the only file that looks like a saved Keras model
    (.keras, .h5, .hdf5), with a notice saying it was used; with none or several, None and a
    sentence that says which file is expected."""
    names = sorted(names)
    if expected in names:
        return expected, ""
    models = [n for n in names if n.lower().endswith(MODEL_SUFFIXES) and not n.startswith(".")]
    if len(models) == 1:
        return models[0], f"graded the model {models[0]} (there is no {expected}, and it is the only model file)"
    if models:
        return None, (f"the folder holds several model files ({', '.join(models)}) and no {expected}: "
                      f"keep only the model to grade, or save it as {expected}")
    return None, (f"there is no {expected} in the folder: train the model and save it with "
                  f"model.save('{expected}')")


def route(sandbox, file_name: str, request: dict, values: dict | None = None):
    """The outcome of one request about file_name, from the worker that grades it."""
    request = {**request, "file": file_name}
    if not sandbox.options.get("keras_models"):
        outcome = sandbox.ask(request, values)
        reason = outcome.info.get("fallback") if outcome.status == Answer.OK else None
        if not reason:
            return outcome
        sandbox.notice(f"{file_name} was graded with Keras (TensorFlow), not on the course's NumPy reference: "
                       f"{reason}")
    return sandbox.companion(KERAS, KERAS_LIMITS).ask(request, values)


def ask_model(sandbox, file_name: str, request: dict, values: dict | None = None):
    """route(...); the outcome when it is ok, else StudentFault with the reason."""
    outcome = route(sandbox, file_name, request, values)
    if outcome.status == Answer.OK:
        return outcome
    reasons = {Answer.TIMEOUT: f"loading the model or predicting took too long ({outcome.error})",
               Answer.MEMORY: "loading the model or predicting ran out of memory",
               Answer.CRASHED: f"loading the model crashed the sandbox ({outcome.error})"}
    raise StudentFault(check_status(outcome.status),
                       reasons.get(outcome.status, outcome.error or "the model could not be used"))
