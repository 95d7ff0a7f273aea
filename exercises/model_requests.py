"""The trusted side of the keras worker kind: one request about a student's model file, its
answer as data, and what a failed answer costs the check (shared by the model-graded exercises)."""
from __future__ import annotations

from grader.student import StudentFault

# Statuses of the worker's answer that end a check at once, as the check result's status.
FAULTS = {"missing": "missing", "raised": "error", "timeout": "timeout", "memory": "memory", "crashed": "error"}


def ask_model(sandbox, file_name: str, request: dict, values: dict | None = None):
    """sandbox.ask about file_name; the outcome when it is ok, else StudentFault with the reason."""
    outcome = sandbox.ask({**request, "file": file_name}, values)
    if outcome.status == "ok":
        return outcome
    if outcome.status in ("timeout", "crashed", "memory"):
        reason = {"timeout": f"loading the model or predicting took too long ({outcome.error})",
                  "memory": "loading the model or predicting ran out of memory",
                  "crashed": f"loading the model crashed the sandbox ({outcome.error})"}[outcome.status]
    else:
        reason = outcome.error or "the model could not be used"
    raise StudentFault(FAULTS.get(outcome.status, "error"), reason)
