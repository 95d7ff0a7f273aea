"""Similar submissions, for review: the CSV of every pair, a side-by-side page per listed pair
and the class page's section.

Pages follow the other reports (grader/reporters/html.py): self-contained, inline CSS, no network
and no JavaScript. The words are neutral on purpose: a similar pair is something for a person to
read, not a finding.

Layout under the batch's HTML folder DIR:
    DIR/similarity/index.html          every listed pair (the same section as on the class page)
    DIR/similarity/<a>--<b>.html       one page per listed pair
The class page (DIR/index.html) includes the section with `similarity` in its context:
    {% if similarity is defined and similarity %}{% include "similarity_section.html.j2" %}{% endif %}
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from grader.i18n import N_, _
from grader.integrity.similarity import DEFAULT_THRESHOLD, SCORE_DIGITS, ModelPair, Pair, Similarity, Submission
from grader.reporters.common import MAX_STEM, safe_stem
from grader.reporters.jinja import environment

if TYPE_CHECKING:
    from grader.integrity.review import ClassReview

TITLE = N_("Similar submissions, for review")  # translated where shown
DEFAULT_LIMIT = 20  # pairs listed in the section at most; the CSV has every pair
FOLDER = "similarity"


def pair_files(pairs: Sequence[Pair]) -> dict[tuple[str, str], str]:
    """A safe, distinct file name for each pair's page, in the order given."""
    files: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for pair in pairs:
        stem = f"{safe_stem(pair.a, MAX_STEM // 2)}--{safe_stem(pair.b, MAX_STEM // 2)}"
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        files[pair.a, pair.b] = name + ".html"
    return files


def listed(result: Similarity, threshold: float = DEFAULT_THRESHOLD, limit: int = DEFAULT_LIMIT) -> tuple[Pair, ...]:
    """The pairs the section shows: the top `limit` pairs scoring at least `threshold`."""
    return tuple(p for p in result.pairs if p.score >= threshold)[:limit]


def section_context(result: Similarity, models: Sequence[ModelPair] = (), threshold: float = DEFAULT_THRESHOLD,
                    limit: int = DEFAULT_LIMIT, href_prefix: str = f"{FOLDER}/") -> dict:
    """What similarity_section.html.j2 needs, as `similarity` in a template's context. The links
    go to href_prefix + the pair's page ("similarity/" from the class page)."""
    shown = listed(result, threshold, limit)
    files = pair_files(shown)
    above = sum(1 for p in result.pairs if p.score >= threshold)
    rows = [{"rank": i + 1, "a": p.a, "b": p.b, "score": p.score, "share_a": p.share_a, "share_b": p.share_b,
             "functions": [f"{fa}" if fa == fb else f"{fa} / {fb}" for fa, fb in p.matching_functions],
             "href": href_prefix + files[p.a, p.b]}
            for i, p in enumerate(shown)]
    return {"title": _(TITLE), "threshold": threshold, "pairs": rows, "compared": len(result.submissions),
            "total": len(result.pairs), "more": above - len(shown), "below": len(result.pairs) - above,
            "models": [{"a": m.a, "b": m.b, "file": m.file, "fingerprint": m.fingerprint[:16]} for m in models],
            "notes": list(result.notes)}


def _side(submission: Submission, lines: Sequence[tuple[int, int]], prefix: str) -> dict:
    matched = {n for first, last in lines for n in range(first, last + 1)}
    source_lines = submission.source.splitlines()
    segments = []
    untouched = [s.name for s in submission.segments if submission.untouched(s)]
    for segment in submission.segments:
        if submission.untouched(segment):
            continue  # a stub as handed out: listed by name, not shown
        rows = [{"number": n, "text": source_lines[n - 1] if n <= len(source_lines) else "",
                 "match": n in matched, "id": f"{prefix}-L{n}"}
                for n in range(segment.first_line, segment.last_line + 1)]
        segments.append({"name": segment.name, "kind": segment.kind, "first": segment.first_line,
                         "last": segment.last_line, "lines": rows, "matched": sum(r["match"] for r in rows)})
    return {"name": submission.name, "prefix": prefix, "segments": segments, "matched": len(matched),
            "ranges": list(lines), "untouched": untouched}


def pair_context(pair: Pair, result: Similarity, models: Sequence[ModelPair] = (),
                 back_href: str = "index.html") -> dict:
    """What similarity_pair.html.j2 needs: both students' compared code, matched lines marked."""
    a, b = result.submissions[pair.a], result.submissions[pair.b]
    where_a = {s.name: s for s in a.segments}
    where_b = {s.name: s for s in b.segments}
    matches = [{"a": m.a, "b": m.b, "score": m.score, "graded": m.graded,
                "href_a": f"#a-L{where_a[m.a].first_line}", "href_b": f"#b-L{where_b[m.b].first_line}",
                "lines_a": f"{where_a[m.a].first_line}–{where_a[m.a].last_line}",
                "lines_b": f"{where_b[m.b].first_line}–{where_b[m.b].last_line}"}
               for m in pair.matches]
    same_files = sorted({m.file or _("a graded file") for m in models if {m.a, m.b} == {pair.a, pair.b}})
    return {"title": _(TITLE), "pair": pair, "matches": matches, "same_model": bool(same_files),
            "same_files": same_files, "back_href": back_href,
            "sides": [_side(a, pair.lines_a, "a"), _side(b, pair.lines_b, "b")]}


def render_pair(pair: Pair, result: Similarity, models: Sequence[ModelPair] = (),
                back_href: str = "index.html") -> str:
    """The side-by-side page of one pair."""
    return environment().get_template("similarity_pair.html.j2").render(pair_context(pair, result, models, back_href))


def render_index(similarity: Mapping, class_href: str | None = "../index.html") -> str:
    """A page holding just the section (DIR/similarity/index.html); `similarity` from section_context."""
    return environment().get_template("similarity_index.html.j2").render(similarity=similarity,
                                                                         class_href=class_href)


def similarity_pages(result: Similarity, destination: Path, models: Sequence[ModelPair] = (),
                     threshold: float = DEFAULT_THRESHOLD, limit: int = DEFAULT_LIMIT,
                     class_href: str | None = "../index.html") -> tuple[dict[Path, str], dict]:
    """DIR/similarity/index.html and a page per listed pair (DIR = destination), and the section
    context for the class page DIR/index.html (links relative to DIR)."""
    folder = Path(destination) / FOLDER
    shown = listed(result, threshold, limit)
    pages = {folder / name: render_pair(pair, result, models) for pair, name in zip(shown, pair_files(shown).values())}
    pages[folder / "index.html"] = render_index(section_context(result, models, threshold, limit, href_prefix=""),
                                                class_href)
    return pages, section_context(result, models, threshold, limit)


CSV_HEADER = ("student_a", "student_b", "score", "matching_functions")


def csv_text(pairs: Iterable[Pair]) -> str:
    """Every pair, in the given (ranked) order: the two students, the score (0..1) and the graded
    functions that match, as 'function_of_a=function_of_b' separated by '; '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for pair in pairs:
        functions = "; ".join(f"{fa}={fb}" for fa, fb in pair.matching_functions)
        writer.writerow([pair.a, pair.b, f"{pair.score:.{SCORE_DIGITS}f}", functions])
    return out.getvalue()


def similarity_csv_files(review: "ClassReview", destination: Path) -> dict[Path, str]:
    """The review's CSV of every pair, ranked, at destination."""
    return {Path(destination): csv_text(review.similarity.pairs)}
