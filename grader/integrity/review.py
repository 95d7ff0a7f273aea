"""Class integrity, for review: what `cnngrade batch CLASS --similarity` adds after grading.

Every pair of students is compared on the code of the graded functions
(grader/integrity/similarity.py), with the starter code that `cnngrade init` hands out (from the
installed packs) set aside as boilerplate; the files the exercises grade (their spec `files`,
e.g. a trained model) are compared for identical copies. This module only computes: the CSV,
the pair pages and the class page's section are the reporters' (grader/reporters/similarity.py),
written with every other output. Nothing here changes a score: it is for a person.

Student code is read as text and never run; model files are read as bytes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from grader.grading.exercise import all_exercises
from grader.i18n import LANGUAGES, _, ngettext, percent, speaking
from grader.integrity.similarity import (DEFAULT_THRESHOLD, ModelPair, Similarity, find_similar, identical_models,
                                         module_source)
from grader.submission.files import Manifest, Refused, manifest, shown
from grader.submission.starter import starter_module

CSV_NAME = "similarity.csv"  # the CSV's default name, in the --out folder
SHOWN_ON_TERMINAL = 5  # pairs (and notes) printed after the batch; the CSV and the class page have the rest


@dataclass(frozen=True)
class ClassReview:
    """The comparison of a class: the ranked pairs and the identical graded files."""

    similarity: Similarity
    models: tuple[ModelPair, ...]


def csv_destination(csv_path: Path | None, out: Path) -> Path:
    """Where the CSV goes: --similarity-csv FILE, else DIR/similarity.csv beside the class page
    of --out DIR."""
    return Path(csv_path) if csv_path is not None else Path(out) / CSV_NAME


def review_class(folders: Sequence[Path], exercises: Iterable) -> ClassReview:
    """Every pair of student folders compared on the selected exercises' graded functions (their
    module sources, the starter removed) and graded files (identical copies)."""
    exercises = list(exercises)
    functions = list(dict.fromkeys(f for e in exercises for f in e.functions))
    sources = {shown(f.name): source for f in folders if (source := module_source(f, functions)) is not None}
    # The starter code in every language is set aside: each student started from one of them.
    starters = []
    for language in LANGUAGES:
        with speaking(language):
            starters.append(starter_module(all_exercises()))
    similarity = find_similar(sources, functions, "\n".join(dict.fromkeys(starters)))
    models: list[ModelPair] = []
    graded = {shown(f.name): _manifest(f) for f in folders}
    for name in dict.fromkeys(n for e in exercises for n in e.files):
        models += identical_models({student: Path(os.fsdecode(file.source)) for student, files in graded.items()
                                    if files and (file := files.file(name))}, name)
    return ClassReview(similarity, tuple(sorted(models, key=lambda m: (m.a, m.b, m.file))))


def _manifest(folder: Path) -> Manifest | None:
    """What was graded of a folder (links inside it resolved), None when nothing could be."""
    try:
        return manifest(folder)
    except Refused:
        return None


def summary_lines(review: ClassReview, where: Sequence[Path]) -> list[str]:
    """What the batch prints after the comparison: the top pairs, identical files, and the files
    that list every pair (where)."""
    pairs = review.similarity.pairs
    above = [p for p in pairs if p.score >= DEFAULT_THRESHOLD]
    lines = [ngettext("similar submissions, for review: {submissions} submissions, {pairs} pairs compared; {count} "
                      "pair at {threshold} or more",
                      "similar submissions, for review: {submissions} submissions, {pairs} pairs compared; {count} "
                      "pairs at {threshold} or more", len(above), submissions=len(review.similarity.submissions),
                      pairs=len(pairs), count=len(above), threshold=percent(DEFAULT_THRESHOLD))]
    for pair in above[:SHOWN_ON_TERMINAL]:
        functions = ", ".join(a if a == b else f"{a}/{b}" for a, b in pair.matching_functions)
        lines.append("  " + _("{score}  {a} and {b}", score=percent(pair.score), a=pair.a, b=pair.b)
                     + (f"  ({functions})" if functions else ""))
    for model in review.models:
        lines.append("  " + (_("identical {file}: {a} and {b}", file=model.file, a=model.a, b=model.b) if model.file
                             else _("identical graded file: {a} and {b}", a=model.a, b=model.b)))
    notes = review.similarity.notes
    lines += ["  " + _("not compared whole: {note}", note=note) for note in notes[:SHOWN_ON_TERMINAL]]
    if len(notes) > SHOWN_ON_TERMINAL:
        lines.append("  " + _("not compared whole: {count} more on the class page", count=len(notes) - SHOWN_ON_TERMINAL))
    lines.append("  " + _("every pair: {files}", files=", ".join(str(path) for path in where)))
    return lines
