"""Numbers the model-graded exercises show to people with a few significant digits."""
from __future__ import annotations

from grader.pack import number


def significant(value: float, digits: int) -> str:
    """value to `digits` significant digits (Python's %g), as the grading's language writes it
    (0.0012 / 0,0012); in scientific notation (1e-08), as Python writes it in every language."""
    text = format(value, f".{digits}g")
    return text if "e" in text or "inf" in text or "nan" in text else number(float(text))
