"""HTML reports: a page per student, and a class page for the instructor.

Every page stands alone: CSS inline, pictures as inline tables or data-URI PNG images, no CDN,
no fonts to fetch, no JavaScript needed to read it (the class table's sorting is the only script,
and the table reads the same without it). It prints (colours kept, a check never split over two
pages) and reads on a phone (wide grids scroll inside their box, the page itself never does).

submit --html DIR writes DIR/index.html, the student's page. With several submissions (batch),
DIR/index.html is the class page and DIR/students/<student>.html each student's page.
"""
from __future__ import annotations

import base64
import io
import math
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
from markdown_it import MarkdownIt
from PIL import Image
from markupsafe import Markup

from grader.grading.checking import RELATIVE_TOLERANCE
from grader.i18n import DEFAULT, N_, _, current, number, percent, speaking
from grader.reporters import Translated
from grader.reporters.common import file_names, fraction
from grader.reporters.jinja import environment
from grader.reporters.similarity import similarity_pages
from grader.classroom.roster import matching
from grader.results import CheckResult, GradeReport, Status

if TYPE_CHECKING:
    from grader.reporters.outputs import ReportContext

MAX_GRIDS = 12  # slices of one array drawn; the rest are counted


# ---------------------------------------------------------------- Markdown (hints)

# CommonMark, with any HTML in the text shown as text: a hint is the pack's words, not markup.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def markdown(text: str) -> Markup:
    """A statement's hint (paragraphs, lists, code, emphasis) as HTML."""
    return Markup(_MARKDOWN.render(text.strip()))


# ---------------------------------------------------------------- arrays as pictures

def _is_record(value: Any) -> bool:
    return isinstance(value, dict) and "shape" in value and "dtype" in value


def _as_array(value: Any) -> np.ndarray | None:
    """A JSON value (an array record or nested lists of numbers) as an object array, else None."""
    if _is_record(value):
        if "values" not in value:
            return None
        data = value["values"]
    elif isinstance(value, list) and value and not any(isinstance(v, (dict, str)) for v in value):
        data = value
    else:
        return None
    try:
        array = np.array(data, dtype=object)
    except ValueError:
        return None
    if _is_record(value) and list(array.shape) != list(value["shape"]):
        array = array.reshape(value["shape"]) if array.size == math.prod(value["shape"]) else array
    if array.dtype == object and any(isinstance(v, (list, dict)) for v in array.flat):
        return None  # ragged
    return array


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)  # 'nan', 'inf', '-inf' as written by the JSON result
        except ValueError:
            return None
    return None


def _cell_text(v: Any) -> str:
    x = _number(v)
    if x is None:
        return str(v)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if isinstance(v, bool):
        return str(v)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.4g}".replace("-", "−")


def _colour(x: float | None, scale: float) -> str:
    """A diverging colour: white at 0, orange for positive, blue for negative (dark text on both)."""
    if x is None or not math.isfinite(x):
        return "#d9d9d9"
    t = min(abs(x) / scale, 1.0) ** 0.75 if scale > 0 else 0.0
    end = (244, 151, 105) if x > 0 else (116, 173, 209)
    r, g, b = (round(255 + (e - 255) * t) for e in end)
    return f"#{r:02x}{g:02x}{b:02x}"


def _scale(*arrays: np.ndarray | None) -> float:
    finite = [abs(x) for a in arrays if a is not None for v in a.flat
              if (x := _number(v)) is not None and math.isfinite(x)]
    return max(finite, default=0.0)


def _spatial_axes(name: str, ndim: int) -> tuple[int, int]:
    """Which two axes form a picture: the course conventions, channels last."""
    if ndim <= 2:
        return (0, 1)
    if "kernel" in name.lower() or name.lower() in ("w", "weights", "filters"):
        return (0, 1) if ndim <= 4 else (ndim - 4, ndim - 3)
    return {3: (0, 1), 4: (1, 2), 5: (2, 3)}.get(ndim, (ndim - 3, ndim - 2))


def _slices(name: str, array: np.ndarray, like: str = "", shown: str = "") -> list[tuple[str, np.ndarray]]:
    """The 2D pictures of an array, each with the index expression that selects it (on `shown`, the
    name people read, else `name`); `like` names the argument whose layout it has (a gradient is
    laid out as what it is the gradient of)."""
    shown = shown or name
    if array.ndim == 0:
        return [(shown, array.reshape(1, 1))]
    if array.ndim == 1:
        return [(shown, array.reshape(1, -1))]
    if array.ndim == 2:
        return [(shown, array)]
    a0, a1 = _spatial_axes(like or name, array.ndim)
    others = [axis for axis in range(array.ndim) if axis not in (a0, a1)]
    pictures = []
    for index in np.ndindex(*(array.shape[axis] for axis in others)):
        selector: list[Any] = [slice(None)] * array.ndim
        label = [":"] * array.ndim
        for axis, i in zip(others, index):
            selector[axis] = i
            label[axis] = str(i)
        picture = array[tuple(selector)]
        pictures.append((f"{shown}[{', '.join(label)}]", picture if a0 < a1 else picture.T))
    return pictures


def _differs(got: Any, expected: Any, tolerance: float) -> bool:
    g, e = _number(got), _number(expected)
    if g is None or e is None:
        return got != expected
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) != math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return g != e
    return abs(g - e) > tolerance


def _grid(label: str, picture: np.ndarray, scale: float, compare: np.ndarray | None, tolerance: float) -> dict:
    rows = []
    for i in range(picture.shape[0]):
        row = []
        for j in range(picture.shape[1]):
            v = picture[i, j]
            diff = compare is not None and _differs(v, compare[i, j], tolerance)
            row.append({"text": _cell_text(v), "bg": _colour(_number(v), scale), "diff": diff,
                        "title": repr(v) if not isinstance(v, str) else v})
        rows.append(row)
    return {"label": label, "rows": rows, "shape": "×".join(map(str, picture.shape))}


def value_panel(name: str, value: Any, scale: float | None = None, compare: Any = None,
                tolerance: float = 0.0, layouts: dict | None = None, title: str = "") -> dict:
    """A value drawn for a person: arrays as coloured number grids (cells that differ from
    `compare` outlined), anything else as Python text. layouts maps a shape to the name of the
    argument that has it, so that an output shaped like the kernel is drawn as a kernel. name
    identifies the panel (data-panel); title is what people read (default: the name)."""
    title = title or name
    array = _as_array(value)
    if _is_record(value) and array is None:
        return {"name": name, "title": title, "kind": "text", "differs": False,
                "text": _("array of shape {shape}, {dtype} (too large to list)", shape=tuple(value['shape']),
                          dtype=value['dtype'])}
    if array is not None and array.size == 0:
        return {"name": name, "title": title, "kind": "text", "differs": False,
                "text": _("empty array of shape {shape}", shape=tuple(array.shape))}
    if array is None:
        if _is_parts(value):
            parts = [value_panel(f"{name}[{i}]", v, None, None, tolerance, layouts, f"{title}[{i}]")
                     for i, v in enumerate(value)]
            return {"name": name, "title": title, "kind": "parts", "parts": parts}
        return {"name": name, "title": title, "kind": "text", "text": _python(value),
                "differs": compare is not None and value != compare}
    other = _as_array(compare) if compare is not None else None
    if other is not None and other.shape != array.shape:
        other = None
    like = (layouts or {}).get(tuple(array.shape), "")
    pictures = _slices(name, array, like, title)
    partners = dict(_slices(name, other, like, title)) if other is not None else {}
    scale = _scale(array) if scale is None else scale
    grids = [_grid(label, picture, scale, partners.get(label), tolerance) for label, picture in pictures[:MAX_GRIDS]]
    shape = tuple(value["shape"]) if _is_record(value) else array.shape
    return {"name": name, "title": title, "kind": "grids", "grids": grids, "shape": str(tuple(shape)),
            "dtype": value.get("dtype", "") if _is_record(value) else "",
            "more": max(len(pictures) - MAX_GRIDS, 0)}


def _is_parts(value: Any) -> bool:
    """Several arrays returned together (a tuple such as (dx, dkernel, dbias))."""
    return isinstance(value, list) and bool(value) and all(_is_record(v) for v in value)


def output_panels(expected: Any, got: Any, layouts: dict, names=("expected", "yours"),
                  titles: tuple[str, str] | None = None) -> tuple[dict | None, dict | None]:
    """The expected and the student's output, drawn on one colour scale, with the student's cells
    that differ beyond the contract's tolerance outlined; several outputs pair up one by one.
    names identify the panels; titles are what people read (default: "expected" and "yours")."""
    titles = titles or (_("expected"), _("yours"))
    if _is_parts(expected) and _is_parts(got) and len(expected) == len(got):
        pairs = [output_panels(e, g, layouts, (f"{names[0]}[{i}]", f"{names[1]}[{i}]"),
                               (f"{titles[0]}[{i}]", f"{titles[1]}[{i}]"))
                 for i, (e, g) in enumerate(zip(expected, got))]
        return ({"name": names[0], "title": titles[0], "kind": "parts", "parts": [p[0] for p in pairs]},
                {"name": names[1], "title": titles[1], "kind": "parts", "parts": [p[1] for p in pairs]})
    e_array, g_array = _as_array(expected), _as_array(got)
    scale = _scale(e_array, g_array)
    tolerance = RELATIVE_TOLERANCE * max(1.0, _scale(e_array))
    return (value_panel(names[0], expected, scale, layouts=layouts, title=titles[0]) if expected is not None else None,
            value_panel(names[1], got, scale, compare=expected, tolerance=tolerance, layouts=layouts, title=titles[1])
            if got is not None else None)


def _python(value: Any) -> str:
    if isinstance(value, list):
        inner = ", ".join(_python(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value) if isinstance(value, str) else str(value)


def counterexample_view(example: dict) -> dict:
    given = example.get("arguments") or {}
    layouts: dict[tuple, str] = {}
    for name, value in given.items():
        if _is_record(value):
            layouts.setdefault(tuple(value["shape"]), name)
    arguments = [value_panel(name, value) for name, value in given.items()]
    expected, got = example.get("expected"), example.get("got")
    expected_panel, got_panel = output_panels(expected, got, layouts)
    e_array, g_array = _as_array(expected), _as_array(got)
    note = ""
    if e_array is not None and g_array is not None and e_array.shape != g_array.shape:
        note = _("The shapes differ: expected {expected}, yours is {got}.", expected=tuple(e_array.shape),
                 got=tuple(g_array.shape))
    elif _is_parts(expected) and _is_parts(got) and len(expected) != len(got):
        note = _("Expected {expected} results, yours are {got}.", expected=len(expected), got=len(got))
    return {
        "function": example.get("function", ""),
        "arguments": arguments,
        "expected": expected_panel,
        "got": got_panel,
        "raised": got is None and "traceback" in example,
        "note": note,
        "reproduce": example.get("reproduce", ""),
        "traceback": example.get("traceback", ""),
    }


# ---------------------------------------------------------------- details (e.g. a confusion matrix)

def png_data_uri(picture: np.ndarray) -> str:
    """A grayscale PNG of a 2D array (dark = high values, as ink on paper), as a data URI."""
    values = np.array([[(_number(v) if _number(v) is not None else 0.0) for v in row] for row in picture], dtype=float)
    values = np.nan_to_num(values)
    lo, hi = float(values.min()), float(values.max())
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    pixels = (255 - np.round(scaled * 255)).astype(np.uint8)
    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(encoded.getvalue()).decode("ascii")


IMAGE_KEYS = ("image", "pixels", "digit", "picture")


def _image_of(item: dict) -> np.ndarray | None:
    for key in IMAGE_KEYS:
        if key in item:
            array = _as_array(item[key])
            if array is not None:
                array = np.squeeze(array)
                if array.ndim == 2:
                    return array
    return None


def _label(key: str) -> str:
    """A detail's key as people read it: its words (underscores as spaces), translated when a
    catalog holds them (a pack marks its detail keys' words with N_() for that)."""
    words = key.replace("_", " ")
    return _(words) if words.strip() else words  # gettext("") is the catalog's header


def _shown(value: Any) -> str:
    """A number of a check's details as people read it: as _cell_text (4 significant digits), with
    the current language's decimal mark and grouping (arrays' cells stay as Python writes them)."""
    text = _cell_text(value)
    x = _number(value)
    if current() == DEFAULT or x is None or not math.isfinite(x) or isinstance(value, (bool, str)):
        return text
    return number(float(text.replace("−", "-")))


def detail_blocks(details: dict) -> list[dict]:
    """A check's details, drawn by what they are: numbers, a confusion matrix, images, arrays."""
    blocks = []
    for key, value in details.items():
        label = _label(key)
        array = _as_array(value)
        if isinstance(value, bool) or isinstance(value, str):
            blocks.append({"kind": "scalar", "label": label, "text": str(value)})
        elif isinstance(value, list) and len(value) <= 8 and not any(isinstance(v, (list, dict)) for v in value):
            blocks.append({"kind": "scalar", "label": label, "text": _python(value)})  # e.g. a shape
        elif isinstance(value, (int, float)):
            text = _shown(value)
            if "accuracy" in key.lower() and 0 <= value <= 1:
                text = percent(value, 2)
            blocks.append({"kind": "scalar", "label": label, "text": text})
        elif array is not None and array.ndim == 2 and "confusion" in key.lower():
            blocks.append({"kind": "confusion", "label": label, "matrix": _confusion(array)})
        elif array is not None and array.ndim == 2 and any(k in key.lower() for k in IMAGE_KEYS):
            blocks.append({"kind": "gallery", "label": label,
                           "images": [{"src": png_data_uri(array), "caption": "", "alt": label}]})
        elif array is not None:
            blocks.append({"kind": "panel", "label": label, "panel": value_panel(key, value)})
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value) \
                and any(_image_of(v) is not None for v in value):
            blocks.append({"kind": "gallery", "label": label, "images": [_gallery_item(v) for v in value
                                                                        if _image_of(v) is not None]})
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for v in value for k in v))
            blocks.append({"kind": "table", "label": label, "columns": [_label(c) for c in columns],
                           "rows": [[_detail_cell(v.get(c)) for c in columns] for v in value]})
        elif _is_rates(key, value):
            # e.g. an accuracy per class: one bar per key
            blocks.append({"kind": "bars", "label": label,
                           "bars": [{"label": str(k), "fraction": float(v), "text": percent(v, 2)}
                                    for k, v in value.items()]})
        elif isinstance(value, dict):
            blocks.append({"kind": "nested", "label": label, "blocks": detail_blocks(value)})
        else:
            blocks.append({"kind": "scalar", "label": label, "text": _python(value)})
    return blocks


RATE_KEYS = ("accuracy", "rate", "fraction")


def _is_rates(key: str, value: Any) -> bool:
    """A dict of fractions in [0, 1] named as such (e.g. an accuracy per class): drawn as bars."""
    return (isinstance(value, dict) and bool(value) and any(k in key.lower() for k in RATE_KEYS)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in value.values()))


def _detail_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _shown(value)
    return value if isinstance(value, str) else _python(value)


def _gallery_item(item: dict) -> dict:
    words = [f"{_label(k)} {_shown(v)}" for k, v in item.items()
             if k not in IMAGE_KEYS and isinstance(v, (int, float, str)) and not isinstance(v, bool)]
    caption = ", ".join(words)
    return {"src": png_data_uri(_image_of(item)), "caption": caption, "alt": caption or _("image")}


def _confusion(array: np.ndarray) -> dict:
    numbers = np.array([[_number(v) or 0.0 for v in row] for row in array], dtype=float)
    top = float(numbers.max()) if numbers.size else 0.0
    rows = []
    for i in range(numbers.shape[0]):
        cells = []
        for j in range(numbers.shape[1]):
            x = numbers[i, j]
            t = (x / top) ** 0.5 if top > 0 else 0.0
            colour = (120, 190, 140) if i == j else (240, 120, 100)
            bg = "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in colour)
            cells.append({"text": _cell_text(x), "bg": bg if x else "#ffffff", "diagonal": i == j})
        rows.append(cells)
    return {"rows": rows, "labels": list(range(numbers.shape[1]))}


# ---------------------------------------------------------------- pages

def _check_view(check: CheckResult) -> dict:
    passed = check.passed
    status = Status(check.status)
    view = {
        "name": check.name, "status": check.shown_status.value,
        "passed": passed, "mark": status.mark, "word": _(status.words),
        "score": check.score, "max_score": check.max_score, "hidden": check.visibility != "visible",
        "description": check.description, "message": check.message, "diagnosis": check.diagnosis,
        "example": None, "traceback": "", "details": detail_blocks(check.details) if check.details else [],
        "message_text": "", "hint": None,
    }
    # A hidden check's inputs are never shown, whatever the result file holds.
    example = (check.counterexample or {}) if check.visibility == "visible" else {}
    if view["details"] and any(b["kind"] != "scalar" for b in view["details"]) and "\n" in check.message:
        # The details draw what the message spells out in text (e.g. a confusion matrix).
        view["message"], view["message_text"] = check.message.split("\n", 1)[0], check.message
    if example.get("arguments") is not None or example.get("function"):
        view["example"] = counterexample_view(example)
    elif example.get("traceback"):
        view["traceback"] = example["traceback"]
    if not passed and check.status == Status.PASSED:
        view["word"] = _("partial credit")
    return view


def student_context(report: GradeReport, class_href: str | None = None, name: str | None = None) -> dict:
    exercises = []
    for exercise in report.exercises:
        checks = [_check_view(c) for c in exercise.checks]
        failed = [c for c in checks if not c["passed"]]
        hint = next((c.hint for c in exercise.checks if c.hint and not c.passed), "")
        if hint and failed:
            # The statement's hint, once, next to the failure the student reads first.
            first = next((c for c in failed if c["example"]), failed[0])
            first["hint"] = markdown(hint)
        exercises.append({
            "id": exercise.id, "title": exercise.title, "score": exercise.score, "max_score": exercise.max_score,
            "fraction": fraction(exercise.score, exercise.max_score), "full": not failed, "checks": checks,
        })
    return {"report": report, "fraction": fraction(report.score, report.max_score), "exercises": exercises,
            "class_href": class_href, "name": name}


def render_student(report: GradeReport, class_href: str | None = None, name: str | None = None) -> str:
    """A student's page, in the report's language; name: the person's name, shown beside the
    submission's (e.g. Moodle's participant id)."""
    with speaking(report.lang):
        return environment().get_template("student.html.j2").render(student_context(report, class_href, name))


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def class_context(reports: list[GradeReport], hrefs: list[str], similarity: dict | None = None,
                  roster=None, names: Mapping[str, str] | None = None) -> dict:
    """What class.html.j2 needs; similarity: the section of grader/reporters/similarity_html.py
    (batch --similarity), or None; roster (grader.classroom.roster, batch --roster), or None;
    names: a person's name per submission, shown beside it."""
    fractions = [fraction(r.score, r.max_score) for r in reports]
    bins = [0] * 10
    for f in fractions:
        bins[min(int(f * 10), 9)] += 1
    tallest = max(bins) or 1
    histogram = [{"label": f"{10 * i}–{percent((i + 1) / 10)}", "count": n, "height": n / tallest}
                 for i, n in enumerate(bins)]

    exercise_ids: list[str] = []
    titles: dict[str, str] = {}
    maxima: dict[str, float] = {}
    rates: dict[tuple[str, str], dict] = {}
    diagnoses: dict[tuple[str, str], list[str]] = {}
    for report in reports:
        for exercise in report.exercises:
            if exercise.id not in exercise_ids:
                exercise_ids.append(exercise.id)
                titles[exercise.id] = exercise.title
            maxima[exercise.id] = max(maxima.get(exercise.id, 0), exercise.max_score)
            seen: set[str] = set()
            for check in exercise.checks:
                rate = rates.setdefault((exercise.id, check.name), {
                    "exercise": exercise.id, "check": check.name, "hidden": check.visibility != "visible",
                    "description": check.description, "passed": 0, "graded": 0, "points": 0.0,
                    "max_points": 0.0})
                rate["graded"] += 1
                rate["passed"] += check.passed
                rate["points"] += check.score
                rate["max_points"] += check.max_score
                if check.diagnosis and check.diagnosis not in seen:
                    seen.add(check.diagnosis)
                    diagnoses.setdefault((exercise.id, check.diagnosis), []).append(report.submission)
    check_rates = []
    for rate in rates.values():
        rate["rate"] = rate["passed"] / rate["graded"] if rate["graded"] else 1.0
        check_rates.append(rate)
    frequent = sorted(({"exercise": e, "diagnosis": d, "count": len(s), "students": s}
                       for (e, d), s in diagnoses.items()), key=lambda d: (-d["count"], d["exercise"]))[:12]
    students = []
    for report, href, f in zip(reports, hrefs, fractions):
        scores = {e.id: e for e in report.exercises}
        note = report.reason  # one reason for every lost check (no cnn.py, an import that fails)
        students.append({"name": report.submission, "person": (names or {}).get(report.submission, ""),
                         "href": href, "score": report.score,
                         "max_score": report.max_score, "fraction": f, "note": note,
                         "exercises": [scores.get(i) for i in exercise_ids]})
    return {
        "reports": reports, "students": students, "histogram": histogram,
        "exercises": [{"id": i, "title": titles[i], "max_score": maxima[i]} for i in exercise_ids],
        "check_rates": check_rates, "diagnoses": frequent,
        "count": len(reports), "full": sum(1 for f in fractions if f >= 1.0),
        "mean": statistics.fmean(fractions) if fractions else 0.0, "median": _median(fractions),
        # Signals for a person (GradeReport.review), each with the student it concerns.
        "review": [{"student": r.submission, "href": href, "kind": item.kind, "exercise": item.exercise,
                    "message": item.message} for r, href in zip(reports, hrefs) for item in r.review],
        "similarity": similarity,
        "roster": _roster_view(reports, roster),
    }


def _roster_view(reports: list[GradeReport], roster) -> object:
    """With a roster (grader.classroom.roster): who has no folder and which folders are unknown."""
    return matching(reports, roster) if roster is not None else None


def render_class(reports: list[GradeReport], hrefs: list[str], similarity: dict | None = None, roster=None,
                 names: Mapping[str, str] | None = None) -> str:
    return environment().get_template("class.html.j2").render(class_context(reports, hrefs, similarity, roster,
                                                                            names))


class HtmlReporter:
    name = "html"
    help = Translated(N_("Write the student's page, self-contained HTML, to DIR/index.html."))
    metavar = "DIR"
    batch_help = Translated(N_("Write the class page DIR/index.html and each student's page "
                               "DIR/students/<student>.html."))
    out_name = ""

    def files(self, context: ReportContext, destination: Path) -> dict[Path, str]:
        """A student's page DIR/index.html; for a class, the class page DIR/index.html linking to
        DIR/students/<student>.html, with the similarity pages under DIR/similarity/ when the
        class was compared (batch --similarity)."""
        reports = list(context.reports)
        if not context.batch and len(reports) == 1:
            return {destination / "index.html": render_student(reports[0], name=(context.names or {}).get(
                reports[0].submission))}
        names = file_names(reports, ".html")
        people = context.names or {}
        files: dict[Path, str] = {destination / "students" / name: render_student(report, class_href="../index.html",
                                                                                  name=people.get(report.submission))
                                  for report, name in zip(reports, names)}
        section = None
        if context.review is not None:
            pages, section = similarity_pages(context.review.similarity, destination, context.review.models)
            files.update(pages)
        files[destination / "index.html"] = render_class(reports, [f"students/{n}" for n in names], section,
                                                         context.roster, context.names)
        return files
