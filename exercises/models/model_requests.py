"""The trusted side of the keras worker kind: one request about a student's model file, its
answer as data, and what a failed answer costs the check (shared by the model-graded exercises)."""
from __future__ import annotations

from grader.pack import Answer, StudentFault, check_status


def ask_model(sandbox, file_name: str, request: dict, values: dict | None = None):
    """sandbox.ask about file_name; the outcome when it is ok, else StudentFault with the reason."""
    outcome = sandbox.ask({**request, "file": file_name}, values)
    if outcome.status == Answer.OK:
        return outcome
    reasons = {Answer.TIMEOUT: f"loading the model or predicting took too long ({outcome.error})",
               Answer.MEMORY: "loading the model or predicting ran out of memory",
               Answer.CRASHED: f"loading the model crashed the sandbox ({outcome.error})"}
    raise StudentFault(check_status(outcome.status),
                       reasons.get(outcome.status, outcome.error or "the model could not be used"))
