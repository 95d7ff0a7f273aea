"""Checks for mnist_cnn: the student's model.keras, graded by its architecture and its accuracy.

The model file is loaded ONLY inside the sandboxed keras worker (exercises/keras_worker.py),
which answers with plain data: the architecture as layer names, shapes and counts, and the
predicted probabilities as an array. The labels never leave this process: the worker sees images
only (the 10,000 test images, and 10,000 training images that the review compares with; see
spec.toml [review]). Nothing here imports TensorFlow.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from grader.checking import CheckFailed, Score
from exercises.mnist import scaled
from grader.results import Review
from grader.student import StudentFault

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SPEC = tomllib.loads(Path(__file__).with_name("spec.toml").read_text())
ARCHITECTURE = SPEC["architecture"]
ACCURACY = SPEC["accuracy"]
REVIEW = SPEC["review"]
LOSS_FLOOR = 1e-7  # probabilities are clipped here before the log, as Keras' cross-entropy does
CONV = ("Conv2D",)
POOLING = ("MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D")
# Statuses of the worker's answer that end a check at once, as the check result's status.
FAULTS = {"missing": "missing", "raised": "error", "timeout": "timeout", "memory": "memory", "crashed": "error"}


def _ask(sandbox, request: dict, values: dict | None = None):
    outcome = sandbox.ask(request, values)
    if outcome.status == "ok":
        return outcome
    if outcome.status in ("timeout", "crashed", "memory"):
        reason = {"timeout": f"loading the model or predicting took too long ({outcome.error})",
                  "memory": "loading the model or predicting ran out of memory",
                  "crashed": f"loading the model crashed the sandbox ({outcome.error})"}[outcome.status]
    else:
        reason = outcome.error or "the model could not be used"
    raise StudentFault(FAULTS.get(outcome.status, "error"), reason)


def _shape(shape) -> str:
    return "?" if shape is None else str(tuple(shape))


def test_architecture(student, sandbox):
    info = _ask(sandbox, {"action": "describe"}).info
    layers = info.get("layers", [])
    classes = [layer["class"] for layer in layers]
    problems = []
    expected_input = list(ARCHITECTURE["input_shape"])
    if info.get("inputs") != 1:
        problems.append(f"the model has {info.get('inputs')} inputs; it must have one")
    elif info.get("input_shape") != expected_input:
        problems.append(f"its input is {_shape(info.get('input_shape'))} per image; the course model takes "
                        f"{tuple(expected_input)} (e.g. keras.Input(shape={tuple(expected_input)}))")
    if info.get("outputs") != 1 or info.get("output_shape") != [ARCHITECTURE["classes"]]:
        problems.append(f"its output is {_shape(info.get('output_shape'))}; it must be "
                        f"({ARCHITECTURE['classes']},), one probability per digit")
    if info.get("output_activation") != "softmax":
        problems.append(f"its last layer's activation is {info.get('output_activation')!r}, not 'softmax'")
    convs = sum(c in CONV for c in classes)
    pools = sum(c in POOLING for c in classes)
    if not convs:
        problems.append("it has no Conv2D layer")
    if not pools:
        problems.append("it has no pooling layer (MaxPooling2D or AveragePooling2D)")
    params, budget = int(info.get("params", 0)), int(ARCHITECTURE["max_params"])
    if params > budget:
        problems.append(f"it has {params:,} parameters, over the budget of {budget:,}")
    details = {"layers": layers, "params": params, "input_shape": info.get("input_shape"),
               "output_shape": info.get("output_shape")}
    if problems:
        raise CheckFailed("the model does not have the architecture asked for: " + "; ".join(problems) +
                          f".\nIts layers: {', '.join(classes) or 'none'}")
    return Score(1.0, f"input {tuple(expected_input)}, {ARCHITECTURE['classes']} softmax outputs, "
                      f"{convs} Conv2D and {pools} pooling layer(s), {params:,} parameters "
                      f"(budget {budget:,})", details)


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """counts[true, predicted]."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels.astype(np.int64), predicted.astype(np.int64)), 1)
    return matrix


def _matrix_text(matrix: np.ndarray) -> str:
    width = max(5, len(str(int(matrix.max()))) + 1)
    head = "true\\pred" + "".join(f"{d:>{width}}" for d in range(matrix.shape[1]))
    rows = [f"{d:>9}" + "".join(f"{int(v):>{width}}" for v in row) for d, row in enumerate(matrix)]
    return "\n".join([head, *rows])


def _training_slice(mnist) -> tuple[np.ndarray, np.ndarray, str]:
    """The fixed slice of the training set the review measures, and its name in words."""
    first, count = int(REVIEW["training_first"]), int(REVIEW["training_count"])
    images, labels = mnist.train
    return images[first:first + count], labels[first:first + count], f"#{first}-#{first + count - 1}"


def _loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of the true digits (what Keras' sparse_categorical_crossentropy reports)."""
    p_true = probabilities[np.arange(len(labels)), labels.astype(np.int64)]
    return float(np.mean(-np.log(np.clip(p_true, LOSS_FLOOR, 1.0))))


def _test_set_review(test_accuracy: float, training_accuracy: float, count: int, where: str) -> tuple[Review, ...]:
    """A review flag (no points) when the model does better on the test images than on images of
    the training set, by more than the spec's margin, or reaches the spec's ceiling."""
    margin, ceiling = float(REVIEW["margin"]), float(REVIEW["ceiling"])
    gap = round(test_accuracy - training_accuracy, 9)  # accuracies are counts over 10,000: no float noise
    reasons = []
    if gap > margin:
        reasons.append(f"its accuracy on the 10,000 MNIST test images ({test_accuracy:.2%}) is {100 * gap:.2f} "
                       f"points above its accuracy on {count:,} images of the training set ({where}: "
                       f"{training_accuracy:.2%}), more than the {100 * margin:.1f} points allowed for chance; "
                       "a model trained on the training set usually does at least as well on images it has seen")
    if test_accuracy >= ceiling:
        reasons.append(f"its accuracy on the test images is {test_accuracy:.2%}, at or above {ceiling:.1%}, "
                       "more than models trained on the training set usually reach")
    if not reasons:
        return ()
    text = "; and ".join(reasons)
    message = (f"The model: {text}. This can happen when the test images were used in training. "
               "No points were taken: a person decides (e.g. by asking how the model was trained).")
    return (Review("test_set_training", message),)


def test_accuracy(student, sandbox, mnist):
    images, labels = mnist.test
    train_images, train_labels, where = _training_slice(mnist)
    # One request: the test images, then the training slice (the labels never leave this process).
    outcome = _ask(sandbox, {"action": "predict"}, {"args": [scaled(np.concatenate([images, train_images]))]})
    probabilities = outcome.value
    classes = int(ARCHITECTURE["classes"])
    total = len(labels) + len(train_labels)
    if not isinstance(probabilities, np.ndarray) or probabilities.shape != (total, classes):
        shape = getattr(probabilities, "shape", None)
        raise CheckFailed(f"the model's predictions have shape {shape}, expected {(total, classes)}: "
                          "one row of 10 probabilities per image")
    probabilities = probabilities.astype(np.float64)
    if not np.all(np.isfinite(probabilities)):
        bad = int(np.sum(~np.all(np.isfinite(probabilities[:len(labels)]), axis=1)))
        raise CheckFailed(f"the model predicts NaN or infinite values for {bad} of the {len(labels):,} test images"
                          if bad else f"the model predicts NaN or infinite values for images of the training set")
    probabilities, on_training = probabilities[:len(labels)], probabilities[len(labels):]
    training_accuracy = float(np.mean(on_training.argmax(axis=1) == train_labels))
    training_loss = _loss(on_training, train_labels)
    predicted = probabilities.argmax(axis=1)
    correct = int(np.sum(predicted == labels))
    accuracy = correct / len(labels)
    test_loss = _loss(probabilities, labels)
    full, zero = float(ACCURACY["full"]), float(ACCURACY["zero"])
    fraction = float(np.clip((accuracy - zero) / (full - zero), 0.0, 1.0))
    matrix = confusion_matrix(labels, predicted, classes)
    p_true = probabilities[np.arange(len(labels)), labels]
    worst = [int(i) for i in np.argsort(p_true, kind="stable")[: int(ACCURACY["worst_listed"])]]
    worst_records = [{"index": i, "label": int(labels[i]), "predicted": int(predicted[i]),
                      "probability_of_label": round(float(p_true[i]), 6),
                      "probability_of_predicted": round(float(probabilities[i, predicted[i]]), 6)} for i in worst]
    verdict = ("full marks" if fraction >= 1.0 else "no points" if fraction <= 0.0
               else f"{fraction:.0%} of the points")
    message = "\n".join([
        f"accuracy {accuracy:.4f} on the {len(labels):,} MNIST test images ({correct:,} right): {verdict} "
        f"(full from {full:g}, none below {zero:g})",
        "confusion matrix (rows: true digit, columns: predicted digit):",
        _matrix_text(matrix),
        "worst-classified test images (index: true digit -> predicted, probability given to the true digit):",
        "  " + ", ".join(f"#{r['index']}: {r['label']} -> {r['predicted']} ({r['probability_of_label']:.2g})"
                         for r in worst_records),
        f"for comparison (no points): accuracy {training_accuracy:.4f} on {len(train_labels):,} images of the "
        f"training set ({where}); loss {test_loss:.4f} on the test images, {training_loss:.4f} on those",
    ])
    details = {"accuracy": accuracy, "correct": correct, "total": len(labels), "full_from": full, "zero_below": zero,
               "confusion_matrix": matrix.tolist(), "worst": worst_records, "test_loss": round(test_loss, 6),
               "training_slice": where, "training_accuracy": training_accuracy,
               "training_loss": round(training_loss, 6)}
    review = _test_set_review(accuracy, training_accuracy, len(train_labels), where)
    return Score(fraction, message, details, review)
