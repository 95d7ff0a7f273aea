"""Class integrity, for review: what `cnngrade batch CLASS --similarity` adds after grading.

Every pair of students is compared on the code of the graded functions (grader/similarity.py),
with the starter code that `cnngrade init` hands out (grader/starter.py, from the installed
packs) set aside as boilerplate; the files the exercises grade (their spec `files`, e.g. a
trained model) are compared for identical copies. The results go to a CSV (every pair, ranked;
by default beside the class page, --out DIR/similarity.csv) and, in each folder that holds a
class page (--out DIR, and --html DIR when given), to DIR/similarity/ (a side-by-side page per
listed pair) and a section of DIR/index.html. Nothing here changes a score: it is for a person.

Student code is read as text and never run; model files are read as bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from grader.results import GradeReport
from grader.similarity import ModelPair, Similarity, find_similar, identical_models, module_source, write_csv

CSV_NAME = "similarity.csv"  # the CSV's default name, in the --out folder
SHOWN_ON_TERMINAL = 5  # pairs printed after the batch; the CSV and the class page have the rest


@dataclass(frozen=True)
class ClassReview:
    """The comparison of a class: the ranked pairs, the identical graded files, where the CSV went."""

    similarity: Similarity
    models: tuple[ModelPair, ...]
    csv_path: Path
    pages: tuple[Path, ...] = ()  # the class pages that show the section


def csv_destination(csv_path: Path | None, out: Path) -> Path:
    """Where the CSV goes: --similarity-csv FILE, else DIR/similarity.csv beside the class page
    of --out DIR."""
    return Path(csv_path) if csv_path is not None else Path(out) / CSV_NAME


def compare_class(folders: Sequence[Path], exercises: Iterable) -> tuple[Similarity, tuple[ModelPair, ...]]:
    """Every pair of student folders compared on the selected exercises' graded functions (their
    module sources, the starter removed) and graded files (identical copies)."""
    from grader.exercise import all_exercises
    from grader.starter import starter_module

    exercises = list(exercises)
    functions = list(dict.fromkeys(f for e in exercises for f in e.functions))
    sources = {f.name: source for f in folders if (source := module_source(f)) is not None}
    similarity = find_similar(sources, functions, starter_module(all_exercises()))
    models: list[ModelPair] = []
    for name in dict.fromkeys(n for e in exercises for n in e.files):
        models += identical_models({f.name: f / name for f in folders}, name)
    return similarity, tuple(sorted(models, key=lambda m: (m.a, m.b, m.file)))


def review_class(class_dir: Path, exercises: Iterable, reports: list[GradeReport], csv_path: Path,
                 html_dirs: Sequence[Path] = (), roster=None) -> ClassReview:
    """Compare the students of class_dir whose reports are given (after a batch), write the CSV
    and, in each HTML folder, the pair pages and the class page again, with its section "similar
    submissions, for review" (and the roster's block, with batch --roster). OSError if a file
    cannot be written."""
    from grader.batch import student_folders

    graded = {r.submission for r in reports}
    folders = [f for f in student_folders(Path(class_dir)) if f.name in graded]
    similarity, models = compare_class(folders, exercises)
    csv_path = Path(csv_path)
    _atomically(csv_path, lambda path: write_csv(similarity.pairs, path))
    written = []
    for html_dir in dict.fromkeys(Path(d) for d in html_dirs):
        from grader.reporters.html import write_class_page
        from grader.reporters.similarity_html import write_similarity_pages

        section = write_similarity_pages(similarity, html_dir, models)
        _atomically(html_dir / "index.html", lambda path: write_class_page(reports, path.parent, section, path.name,
                                                                                roster))
        written.append(html_dir / "index.html")
    return ClassReview(similarity, models, csv_path, tuple(written))


def _atomically(target: Path, write) -> None:
    """write(path) into a file beside target, then moved into place whole (no reader sees half)."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        write(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def summary_lines(review: ClassReview) -> list[str]:
    """What the batch prints after the comparison: the top pairs, identical files, where to read more."""
    from grader.similarity import DEFAULT_THRESHOLD

    pairs = review.similarity.pairs
    above = [p for p in pairs if p.score >= DEFAULT_THRESHOLD]
    lines = [f"similar submissions, for review: {len(review.similarity.submissions)} submissions, "
             f"{len(pairs)} pairs compared; {len(above)} pair{'s' if len(above) != 1 else ''} "
             f"at {DEFAULT_THRESHOLD:.0%} or more"]
    for pair in above[:SHOWN_ON_TERMINAL]:
        functions = ", ".join(a if a == b else f"{a}/{b}" for a, b in pair.matching_functions)
        lines.append(f"  {pair.score:.0%}  {pair.a} and {pair.b}" + (f"  ({functions})" if functions else ""))
    for model in review.models:
        lines.append(f"  identical {model.file or 'graded file'}: {model.a} and {model.b}")
    where = [str(review.csv_path)] + [str(page) for page in review.pages]
    lines.append(f"  every pair: {', '.join(where)}")
    return lines
