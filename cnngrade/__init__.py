"""cnngrade as a Python package: `grade(folder)` returns a folder's result record (grader.api),
and in a Jupyter notebook `from cnngrade.notebook import check; check()` grades the notebook.

The sandbox refuses `import cnngrade` inside student code (it is a forbidden import and its folder
is hidden from the worker): the grader is imported by the person grading, never by what is graded.
"""
from grader.api import SubmissionError, UnknownExercise, exercises, grade

__all__ = ["grade", "exercises", "SubmissionError", "UnknownExercise"]
