"""One line of Python that reproduces a student call, ready to paste."""
from __future__ import annotations

from typing import Any

import numpy as np


def literal(value: Any) -> str:
    """A Python expression that evaluates to value (NumPy imported as np)."""
    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype in (np.float64, np.int64, np.bool_) else f", dtype=np.{value.dtype}"
        return f"np.array({value.tolist()!r}{dtype})"
    if isinstance(value, np.generic):
        return f"np.{value.dtype}({value.item()!r})"
    if hasattr(value, "python_literal"):  # a pack's wire type (grader.sandbox.wire) spells itself
        return value.python_literal()
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return repr(value)


# Inputs with more numbers than this (a model's weights, a batch of data set images) are not spelled
# out: the check's own message says where they come from.
MAX_ELEMENTS = 20_000


def _elements(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, (tuple, list)):
        return sum(_elements(v) for v in value)
    if isinstance(value, dict):
        return sum(_elements(v) for v in value.values())
    return 1


def reproduction(function: str, args: tuple, kwargs: dict) -> str:
    """The line, or '' when the input is too large to paste."""
    if _elements(list(args) + list(kwargs.values())) > MAX_ELEMENTS:
        return ""
    arguments = [literal(a) for a in args] + [f"{k}={literal(v)}" for k, v in kwargs.items()]
    return f"import numpy as np; from cnn import {function}; print({function}({', '.join(arguments)}))"  # i18n: not for people (code to paste)
