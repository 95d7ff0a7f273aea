"""Checks for mnist_cnn: the student's model file, graded by its architecture and its accuracy.

The file is spec.toml's `files` (model.keras) or, when the folder has none, its only other saved
Keras model (.keras, .h5, .hdf5, e.g. a tutorial's mnist_cnn.h5): graded, with a notice naming it.

The model file is read ONLY inside the sandbox, as data, by the numpy_model worker
(exercises/models/numpy_worker.py: the course's NumPy reference runs its layers), or by the keras
worker for a model outside the layer catalogue (exercises/models/model_requests.py); either
answers with plain data: the architecture as layer names, shapes and counts, and the predicted
probabilities as an array. The labels never leave this process: the worker sees images
only (the 10,000 test images, and 10,000 training images that the review compares with; see
spec.toml [review]). Nothing here imports TensorFlow.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from grader.pack import N_, Answer, CheckFailed, Review, Score, Status, StudentFault, _, number, percent
from exercises.models.mnist import scaled
from exercises.models.model_requests import ask_model, choose, route
from exercises.models.numbers import significant

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
MODEL_FILE = SPEC["files"][0]
# A model that gives (nearly) every test image the same digit is told what usually causes it.
ONE_CLASS_SHARE = 0.9
RAW_PROBE_IMAGES = 1000  # test images sent again at 0-255 to confirm a raw-pixel model
SOFTMAX_FIX = N_("add activation='softmax' to the last Dense layer (or a keras.layers.Softmax() layer after it); "
                  "a loss with from_logits=True then becomes from_logits=False")


def _others() -> set[str]:
    """Files that belong to other exercises (what they grade, what `init` gives the student):
    never taken for this exercise's model (the transfer-learning base is a saved model too)."""
    from grader.pack import all_exercises

    return {name for e in all_exercises() for name in (*e.files, *getattr(e, "starter_files", ()))} - {MODEL_FILE}


def _model_file(sandbox) -> str:
    """The model file to grade (only names are read here; the file is opened in the worker)."""
    folder = Path(sandbox.folder)
    others = _others()
    names = [p.name for p in folder.iterdir() if (p.is_file() or p.is_symlink()) and p.name not in others] \
        if folder.is_dir() else []
    chosen, notice = choose(names, MODEL_FILE)
    if chosen is None:
        raise StudentFault(Status.MISSING, notice)
    if notice:
        sandbox.notice(notice)
    return chosen


def _ask(sandbox, request: dict, values: dict | None = None):
    return ask_model(sandbox, _model_file(sandbox), request, values)


def _shape(shape) -> str:
    return "?" if shape is None else str(tuple(shape))


def test_architecture(student, sandbox):
    info = _ask(sandbox, {"action": "describe"}).info
    layers = info.get("layers", [])
    classes = [layer["class"] for layer in layers]
    problems = []
    expected_input = list(ARCHITECTURE["input_shape"])
    reshaped = ""
    if info.get("inputs") != 1:
        problems.append(_("the model has {inputs} inputs; it must have one", inputs=info.get("inputs")))
    elif info.get("input_shape") in _image_shapes(expected_input):
        reshaped = _("; its input is {shape}, the image in another shape: accepted (the {expected} images are "
                     "reshaped to it)", shape=_shape(info.get("input_shape")), expected=tuple(expected_input))
    elif info.get("input_shape") != expected_input:
        problems.append(_("its input is {shape} per image; the course model takes {expected} (e.g. "
                          "keras.Input(shape={expected}))", shape=_shape(info.get("input_shape")),
                          expected=tuple(expected_input)))
    if info.get("outputs") != 1 or info.get("output_shape") != [ARCHITECTURE["classes"]]:
        problems.append(_("its output is {shape}; it must be ({classes},), one probability per digit",
                          shape=_shape(info.get("output_shape")), classes=ARCHITECTURE["classes"]))
    if info.get("output_activation") != "softmax":
        activation = info.get("output_activation")
        if activation in (None, "linear"):
            problems.append(_("its last layer's activation is {activation!r}, not 'softmax' (it outputs logits): "
                              "{fix}", activation=activation, fix=_(SOFTMAX_FIX)))
        else:
            problems.append(_("its last layer's activation is {activation!r}, not 'softmax'", activation=activation))
    convs = sum(c in CONV for c in classes)
    pools = sum(c in POOLING for c in classes)
    if not convs:
        problems.append(_("it has no Conv2D layer"))
    if not pools:
        problems.append(_("it has no pooling layer (MaxPooling2D or AveragePooling2D)"))
    params, budget = int(info.get("params", 0)), int(ARCHITECTURE["max_params"])
    if params > budget:
        problems.append(_("it has {params} parameters, over the budget of {budget}", params=number(params),
                          budget=number(budget)))
    details = {"layers": layers, "params": params, "input_shape": info.get("input_shape"),
               "output_shape": info.get("output_shape")}
    if problems:
        raise CheckFailed(_("the model does not have the architecture asked for: {problems}.\nIts layers: {layers}",
                            problems="; ".join(problems), layers=", ".join(classes) or _("none")))
    return Score(1.0, _("input {shape}, {classes} softmax outputs, {convs} Conv2D and {pools} pooling layer(s), "
                        "{params} parameters (budget {budget}){reshaped}", shape=tuple(expected_input),
                        classes=ARCHITECTURE["classes"], convs=convs, pools=pools, params=number(params),
                        budget=number(budget), reshaped=reshaped), details)


def _image_shapes(shape: list[int]) -> list[list[int]]:
    """The other shapes of the same image a model may really take: without its channel axis
    ((28, 28) for (28, 28, 1)) and flat ((784,)). The model workers reshape the images to them."""
    shapes = [[int(np.prod(shape))]]
    if len(shape) == 3 and shape[-1] == 1:
        shapes.append(shape[:2])
    return [s for s in shapes if s != shape]


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """counts[true, predicted]."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels.astype(np.int64), predicted.astype(np.int64)), 1)
    return matrix


def _matrix_text(matrix: np.ndarray) -> str:
    width = max(5, len(str(int(matrix.max()))) + 1)
    corner = _("true\\pred")
    head = corner + "".join(f"{d:>{width}}" for d in range(matrix.shape[1]))
    rows = [f"{d:>{len(corner)}}" + "".join(f"{int(v):>{width}}" for v in row) for d, row in enumerate(matrix)]
    return "\n".join([head, *rows])


def _training_slice(mnist) -> tuple[np.ndarray, np.ndarray, str]:
    """The fixed slice of the training set the review measures, and its name in words."""
    first, count = int(REVIEW["training_first"]), int(REVIEW["training_count"])
    images, labels = mnist.train_head(first + count)
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
        reasons.append(_("its accuracy on the {total} MNIST test images ({test}) is {gap} points above its accuracy "
                         "on {count} images of the training set ({where}: {training}), more than the {margin} "
                         "points allowed for chance; a model trained on the training set usually does at least "
                         "as well on images it has seen", total=number(10000), test=percent(test_accuracy, 2),
                         gap=number(100 * gap, 2), count=number(count), where=where,
                         training=percent(training_accuracy, 2), margin=number(100 * margin, 1)))
    if test_accuracy >= ceiling:
        reasons.append(_("its accuracy on the test images is {accuracy}, at or above {ceiling}, more than models "
                         "trained on the training set usually reach", accuracy=percent(test_accuracy, 2),
                         ceiling=percent(ceiling, 1)))
    if not reasons:
        return ()
    text = _("; and ").join(reasons)
    message = _("The model: {reasons}. This can happen when the test images were used in training. No points were "
                "taken: a person decides (e.g. by asking how the model was trained).", reasons=text)
    return (Review("test_set_training", message),)


def test_accuracy(student, sandbox, mnist):
    images, labels = mnist.test
    train_images, train_labels, where = _training_slice(mnist)
    # One request: the test images, then the training slice (the labels never leave this process),
    # as uint8 pixels, which the worker scales as the course does (a quarter of the bytes of floats).
    outcome = _ask(sandbox, {"action": "predict"}, {"args": [np.concatenate([images, train_images])[..., np.newaxis]]})
    probabilities = outcome.value
    classes = int(ARCHITECTURE["classes"])
    total = len(labels) + len(train_labels)
    if not isinstance(probabilities, np.ndarray) or probabilities.shape != (total, classes):
        shape = getattr(probabilities, "shape", None)
        raise CheckFailed(_("the model's predictions have shape {shape}, expected {expected}: one row of 10 "
                            "probabilities per image", shape=shape, expected=(total, classes)))
    probabilities = probabilities.astype(np.float64)
    if not np.all(np.isfinite(probabilities)):
        bad = int(np.sum(~np.all(np.isfinite(probabilities[:len(labels)]), axis=1)))
        raise CheckFailed(_("the model predicts NaN or infinite values for {bad} of the {total} test images",
                            bad=number(bad), total=number(len(labels))) if bad else
                          _("the model predicts NaN or infinite values for images of the training set"))
    probabilities, on_training = probabilities[:len(labels)], probabilities[len(labels):]
    notes = []
    if not _are_probabilities(probabilities):
        # Logits: the ranking of the worst-classified images (and the losses) use their softmax.
        probabilities, on_training = _softmax(probabilities), _softmax(on_training)
        notes.append(_("its outputs are not probabilities (logits?): ranked by their softmax; {fix}",
                       fix=_(SOFTMAX_FIX)))
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
    verdict = (_("full marks") if fraction >= 1.0 else _("no points") if fraction <= 0.0
               else _("{share} of the points", share=percent(fraction)))
    share = np.bincount(predicted, minlength=classes).max() / len(labels)
    if share >= ONE_CLASS_SHARE and fraction < 1.0:
        notes.append(_one_class_note(sandbox, images, labels, predicted, share))
    message = "\n".join([
        _("accuracy {accuracy} on the {total} MNIST test images ({correct} right): {verdict} (full from {full}, "
          "none below {zero})", accuracy=number(accuracy, 4), total=number(len(labels)), correct=number(correct),
          verdict=verdict, full=number(full), zero=number(zero)),
        _("confusion matrix (rows: true digit, columns: predicted digit):"),
        _matrix_text(matrix),
        _("worst-classified test images (index: true digit -> predicted, probability given to the true digit):"),
        "  " + ", ".join(f"#{r['index']}: {r['label']} -> {r['predicted']} "
                         f"({significant(r['probability_of_label'], 2)})" for r in worst_records),
        _("for comparison (no points): accuracy {accuracy} on {count} images of the training set ({where}); loss "
          "{test_loss} on the test images, {training_loss} on those", accuracy=number(training_accuracy, 4),
          count=number(len(train_labels)), where=where, test_loss=number(test_loss, 4),
          training_loss=number(training_loss, 4)),
    ] + [_("note: {note}", note=note) for note in notes])
    details = {"accuracy": accuracy, "correct": correct, "total": len(labels), "full_from": full, "zero_below": zero,
               "confusion_matrix": matrix.tolist(), "worst": worst_records, "test_loss": round(test_loss, 6),
               "training_slice": where, "training_accuracy": training_accuracy,
               "training_loss": round(training_loss, 6)}
    review = _test_set_review(accuracy, training_accuracy, len(train_labels), where)
    return Score(fraction, message, details, review)


def _are_probabilities(outputs: np.ndarray) -> bool:
    return bool(np.all(outputs >= -1e-6) and np.all(outputs <= 1 + 1e-6)
                and np.allclose(outputs.sum(axis=1), 1.0, atol=1e-3))


def _softmax(outputs: np.ndarray) -> np.ndarray:
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _one_class_note(sandbox, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray, share: float) -> str:
    """What is likely wrong when (nearly) every prediction is one digit: the input scale. The first
    test images are sent once more at 0-255, to say whether the model was trained on raw pixels."""
    digit = int(np.bincount(predicted).argmax())
    note = _("{share} of the test images are predicted as {digit}: that is most often an input-scale problem. The "
             "grader gives the model images scaled to [0, 1] (pixels / 255)", share=percent(share), digit=digit)
    count = min(RAW_PROBE_IMAGES, len(labels))
    raw = route(sandbox, _model_file(sandbox), {"action": "predict"},
                {"args": [scaled(images[:count]) * np.float32(255.0)]})
    if raw.status == Answer.OK and isinstance(raw.value, np.ndarray) and raw.value.shape[0] == count:
        raw_accuracy = float(np.mean(np.asarray(raw.value).argmax(axis=1) == labels[:count]))
        if raw_accuracy > float(np.mean(predicted[:count] == labels[:count])) + 0.2:
            return _("{note}; on raw 0-255 pixels it gets {accuracy} on the first {count} test images, so it was "
                     "trained on raw pixels: divide the training images by 255 (x_train / 255.0) and train again",
                     note=note, accuracy=number(raw_accuracy, 2), count=number(count))
    return _("{note}; was it trained on raw 0-255 pixels? Divide the training images by 255 and train again",
             note=note)
