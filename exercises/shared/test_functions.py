"""numeric_gradient's test functions: scalar functions the grader sends into the sandbox as data.

Functions cannot cross the sandbox boundary as code, so a check names one of a fixed family (see
FAMILY) with its weights; the worker rebuilds it from that description (a wire type of the course
pack, see grader.sandbox.wire). The worker loads this file by path: it may import only the
standard library and NumPy.
"""
from __future__ import annotations

import numpy as np


class TestFunction:
    """A grader-defined scalar test function, sent as plain data and rebuilt inside the worker.

    Functions cannot cross the boundary, so the grader names one of a fixed family
    (see FAMILY) with its parameters; the worker instantiates it from that description.
    """

    FAMILY = ("sum_cubes", "weighted_square", "sin_dot", "log_cosh")
    wire_name = "test_function"

    def __init__(self, kind: str, weights: np.ndarray):
        if kind not in self.FAMILY:
            raise ValueError(f"unknown test function {kind!r}")  # i18n: not for people (a check author's mistake)
        self.kind = kind
        self.weights = np.asarray(weights, dtype=np.float64)

    def __call__(self, x: np.ndarray) -> float:
        x = np.asarray(x, dtype=np.float64)
        w = self.weights.reshape(x.shape)
        if self.kind == "sum_cubes":
            return float(np.sum(w * x**3))
        if self.kind == "weighted_square":
            return float(np.sum(w * x**2))
        if self.kind == "sin_dot":
            return float(np.sin(np.sum(w * x)))
        return float(np.sum(np.log(np.cosh(w * x))))

    def gradient(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        w = self.weights.reshape(x.shape)
        if self.kind == "sum_cubes":
            return 3 * w * x**2
        if self.kind == "weighted_square":
            return 2 * w * x
        if self.kind == "sin_dot":
            return np.cos(np.sum(w * x)) * w
        return w * np.tanh(w * x)

    def to_wire(self) -> dict:
        return {"kind": self.kind, "weights": self.weights}

    @classmethod
    def from_wire(cls, fields: dict) -> "TestFunction":
        weights = fields.get("weights")
        if not isinstance(weights, np.ndarray):
            raise ValueError("its weights are not an array")  # i18n: not for people (a wire fault, read in the worker)
        return cls(str(fields.get("kind")), weights)

    def python_literal(self) -> str:
        """The same function as a lambda a student can paste (messages, the reproduce line)."""
        w = f"np.array({self.weights.tolist()!r}).reshape(x.shape)"
        body = {"sum_cubes": f"np.sum({w} * x**3)", "weighted_square": f"np.sum({w} * x**2)",
                "sin_dot": f"np.sin(np.sum({w} * x))", "log_cosh": f"np.sum(np.log(np.cosh({w} * x)))"}
        return f"(lambda x: float({body[self.kind]}))"

    def __repr__(self) -> str:
        return f"TestFunction({self.kind!r}, weights={self.weights.tolist()!r})"
