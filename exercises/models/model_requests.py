"""The trusted side of the model workers (shared by the model-graded exercises): which file to grade,
one request about it, its answer as data, and what a failed answer costs the check.

A request goes to the exercise's own sandbox, the numpy_model worker (the file read as data, run
on the course's NumPy reference). A model outside the layer catalogue is answered there with the
reason ("fallback"); the request then goes to a companion sandbox of the keras worker (Keras on
TensorFlow), and the report's notices say which layer sent the model there: a notice, not a
penalty. With --keras-models every request goes to the keras worker.

The workers import no catalog (the grader's are hidden in the sandbox): a sentence of theirs comes
in English with its words (a sentence marked N_ in model_files, layer_catalogue or keras_worker and
its params), which `phrase` says in the grading's language.
"""
from __future__ import annotations

from string import Formatter

from grader.pack import Answer, Limits, StudentFault, _, check_status, number

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
        return models[0], _("graded the model {file} (there is no {expected}, and it is the only model file)",
                            file=models[0], expected=expected)
    if models:
        return None, _("the folder holds several model files ({files}) and no {expected}: keep only the model "
                       "to grade, or save it as {expected}", files=", ".join(models), expected=expected)
    return None, _("there is no {name} in the folder: train the model and save it with model.save('{name}')",
                   name=expected)


def route(sandbox, file_name: str, request: dict, values: dict | None = None):
    """The outcome of one request about file_name, from the worker that grades it."""
    request = {**request, "file": file_name}
    if not sandbox.options.get("keras_models"):
        outcome = sandbox.ask(request, values)
        reason = outcome.info.get("fallback") if outcome.status == Answer.OK else None
        if not reason:
            return outcome
        sandbox.notice(_("{file} was graded with Keras (TensorFlow), not on the course's NumPy reference: "
                         "{reason}", file=file_name, reason=phrase(outcome.info.get("fallback_words"), reason)))
    return sandbox.companion(KERAS, KERAS_LIMITS).ask(request, values)


def ask_model(sandbox, file_name: str, request: dict, values: dict | None = None):
    """route(...); the outcome when it is ok, else StudentFault with the reason."""
    outcome = route(sandbox, file_name, request, values)
    if outcome.status == Answer.OK:
        return outcome
    error = phrase(outcome.info.get("words"), outcome.error)
    reasons = {Answer.TIMEOUT: _("loading the model or predicting took too long ({error})", error=error),
               Answer.MEMORY: _("loading the model or predicting ran out of memory"),
               Answer.CRASHED: _("loading the model crashed the sandbox ({error})", error=error)}
    raise StudentFault(check_status(outcome.status),
                       reasons.get(outcome.status, error or _("the model could not be used")))


def phrase(words, english: str) -> str:
    """A worker's sentence in the grading's language: its words said when the catalog holds their
    sentence (and every sentence nested in them), else the English the worker sent. Only the
    catalog's own text is ever formatted, never a reply's."""
    try:
        return _said(words)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return english


def _said(words) -> str:
    text, params = words["text"], words["params"]
    if not isinstance(text, str) or not isinstance(params, dict):
        raise TypeError("words are a text and its params")  # i18n: not for people (caught by phrase)
    translated = _(text)
    if translated == text:  # English, or a sentence the catalog does not hold: the worker's own English
        raise KeyError(text)
    conversions = {field: conversion for _literal, field, _spec, conversion in Formatter().parse(translated) if field}
    return translated.format(**{key: _value(value, conversions.get(key)) for key, value in params.items()})


def _value(value, conversion: str | None):
    """A param as the sentence shows it: a nested sentence said, a number as the language writes it
    (but as Python writes it where the sentence shows its repr, as code)."""
    if isinstance(value, dict):
        return _said(value)
    if conversion is None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    if value is None or isinstance(value, (str, int, float, list)):
        return value
    raise TypeError(type(value).__name__)
