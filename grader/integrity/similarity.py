"""Similar submissions, for review: which pairs of students share long runs of graded code.

What is compared, per student, is the source of the graded functions and of the top-level
helpers and constants they use (found statically with `ast`; student code is never executed),
taken from the module that is graded (cnn.py, or the module cut out of the folder's notebook).
Fingerprints are copydetect's (PyPI, MIT), through its public API (`CodeFingerprint`, which its
documentation offers for general comparisons): its Pygments-based normaliser replaces every name
by `V`/`F`, every string by `S` and drops layout and comments, so renaming every variable changes
nothing; every k-gram of the normalised text is a fingerprint (window 1). Fingerprints that occur
in the starter code (the boilerplate) are dropped. Each top-level definition is fingerprinted on
its own, so the order of the functions in the file does not matter either.

Ours, and why: copydetect's own boilerplate removal drops the second occurrence of every k-gram
repeated in a file (it tells numpy.intersect1d the hashes are unique; with window 1 they are not),
and its comparison (`compare_files`) takes two whole files, in Python loops; so the starter's
fingerprints are removed, and two students' definitions compared, here, over NumPy arrays in
time linear in their code. copydetect hashes k-grams with Python's hash(), salted per process:
with window 1 only whether two hashes are equal matters, which the salt does not change, and
nothing shown is ordered by a hash, so every run gives the same scores, matches and lines.

Short NumPy functions look alike naturally (`np.maximum(x, 0)` is written the same way by
everyone), so pairs are ranked for a person to review, never cut at a score: every pair goes to
the CSV; `DEFAULT_THRESHOLD` only decides which pairs the class page shows.

The work is bounded (a student's files are hostile until checked): per student, the source read
(MAX_SOURCE_CHARS) and the definitions compared (MAX_DEFINITIONS); per pair, scoring is linear in
the two students' fingerprints, and fingerprints that repeat in more than MAX_SPREAD of a
student's definitions do not pair definitions; per class, the fingerprints scored (CLASS_WORK:
the largest submissions cut alike) and the pairing of definitions (CLASS_PAIRING: the most
similar pairs first). Each cut is said in `Similarity.notes`, one line each.

Identical files: the files the exercises grade (spec `files`, e.g. a trained model) that are
byte for byte the same, or, for a zip archive, whose largest member is (see `model_fingerprint`).
"""
from __future__ import annotations

import ast
import hashlib
import io
import itertools
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
from copydetect import CodeFingerprint

from grader.i18n import _, number, percent
from grader.submission.files import Refused, manifest
from grader.submission.folder import MODULE, Unreadable, read_submission

# A match must span K normalised characters (copydetect's default noise threshold); every k-gram
# is a fingerprint (window 1, copydetect's default), which the determinism above relies on.
K = 25
WINDOW = 1

# The class page lists pairs scoring at least this; all pairs still go to the CSV. Measured on
# this course (tests/test_similarity.py): correct solutions written independently, in different
# styles, score below 0.1 on each other; a submission that takes two graded functions (and the
# helpers) from a complete one scores about 0.25 with it, five functions 0.68; a copy with every
# name changed and the functions reordered, above 0.9.
DEFAULT_THRESHOLD = 0.25
# Two definitions are listed as a match when this share of their fingerprinted code coincides.
MATCH_THRESHOLD = 0.3
MAX_WEIGHTS_BYTES = 1 << 30  # read no more than this of one file or archive member (a zip bomb stops here)
SCORE_DIGITS = 4  # scores are rounded, so that the ranking never depends on float noise
# Bounds (see the module doc). A real cnn.py is under 50 KB with some 40 definitions; parsing
# holds up to 600 bytes a character of source (a long literal) and lexing takes up to 10 µs a
# character: 128 KiB costs at most 80 MB and 1.3 s.
MAX_SOURCE_CHARS = 128 << 10
MAX_DEFINITIONS = 200
# A fingerprint found in more of one student's definitions than this does not pair definitions
# (pairing costs the product of such counts); in a complete solution the most is 7.
MAX_SPREAD = 8
# The class's comparison: every pair is scored and its lines found in time linear in the two
# students' fingerprints (about 20 ns each), so the class costs its fingerprints, each student's
# counted once per other student; past CLASS_WORK (about a minute), the largest submissions are
# cut alike to the most that fits. 500 complete solutions count 1.2e9.
CLASS_WORK = 3_000_000_000
# Pairing definitions costs what two students share, times how often it repeats in their
# definitions (`_pairing_work`, about 100 ns a unit): it is done for the most similar pairs first,
# until CLASS_PAIRING of that work (about 30 s) is spent; the pairs after that list no matching
# definitions, and the notes say from which score down. A class of 500 ordinary students needs
# about 2e8 (1,700 a pair).
CLASS_PAIRING = 300_000_000
# The matching lines of a pair (the pages' highlighting) are kept for this many of the most
# similar pairs only: many times the pages' 20, and a class's memory stays linear in its students.
LINED_PAIRS = 200


@dataclass(frozen=True)
class Segment:
    """One top-level definition that is compared: a graded function, or a helper or constant
    that a graded function uses. Lines are 1-based and inclusive, as in the student's file."""

    name: str
    kind: str  # "graded", "helper", or "module" (the whole file, when it does not parse)
    first_line: int
    last_line: int
    text: str


@dataclass(frozen=True, eq=False)  # NumPy arrays: compared by identity
class _Print:
    """A segment's fingerprints (the starter's removed), in the order of their positions in its
    normalised text, and the source line where a match starting or ending at each would be."""

    keys: np.ndarray  # int64: the fingerprint (k-gram hash) at each position
    positions: np.ndarray  # int32: where each k-gram starts in the normalised text
    first_lines: np.ndarray  # int32: source line of each k-gram's first character
    last_lines: np.ndarray  # int32: source line of each k-gram's last character
    coverage: int  # normalised characters covered by the fingerprints (copydetect's token coverage)
    starter_only: bool  # every fingerprint is the starter's: an untouched stub


@dataclass(frozen=True)
class Submission:
    """A student's code prepared for comparison (the output of `prepare`): its segments and, over
    all of them, its fingerprints as flat arrays in segment then position order; `cut` says what
    of the student's code a bound kept out of the comparison, "" when nothing."""

    name: str
    source: str
    segments: tuple[Segment, ...]
    prints: tuple[_Print, ...] = field(repr=False)
    coverage: int = 0
    cut: str = ""
    priority: tuple[int, ...] = ()  # the segments, most important first: what a bound keeps

    def untouched(self, segment: Segment) -> bool:
        """Whether a segment is the starter's as handed out (a stub never filled in)."""
        return self.prints[self.segments.index(segment)].starter_only

    def owner(self, line: int) -> Segment | None:
        """The segment that holds a line of the source, if any."""
        return next((s for s in self.segments if s.first_line <= line <= s.last_line), None)

    @property
    def size(self) -> int:
        """Fingerprints compared."""
        return sum(len(p.keys) for p in self.prints)


@dataclass(frozen=True, eq=False)  # NumPy arrays: compared by identity
class _Flat:
    """A Submission's fingerprints as one set of arrays, what a pair comparison works on: each
    fingerprint in segment then position order, and an index from each distinct fingerprint to
    its places (`grouped[starts[k]:starts[k + 1]]` for distinct[k], in segment then position order)."""

    positions: np.ndarray
    segments: np.ndarray
    first_lines: np.ndarray
    last_lines: np.ndarray
    distinct: np.ndarray  # sorted
    grouped: np.ndarray
    starts: np.ndarray
    spread: np.ndarray  # per distinct fingerprint: in how many of the segments it is
    coverages: np.ndarray  # per segment
    count: int  # segments


@dataclass(frozen=True)
class Match:
    """Two definitions, one of each student, that share fingerprinted code."""

    a: str
    b: str
    kind_a: str
    kind_b: str
    score: float  # matched share of the two definitions' fingerprinted code, 0..1

    @property
    def graded(self) -> bool:
        return self.kind_a == "graded" and self.kind_b == "graded"


@dataclass(frozen=True)
class Pair:
    """Two students and how much of their compared code coincides.

    score is the matched share of both students' fingerprinted code together (symmetric);
    share_a and share_b are each side's own share. lines_a and lines_b are the matching line
    ranges (first, last; 1-based, inclusive) in each student's source, for highlighting (found for
    the LINED_PAIRS most similar pairs of a class, what its pages can show; () for the others).
    """

    a: str
    b: str
    score: float
    share_a: float
    share_b: float
    matches: tuple[Match, ...]
    lines_a: tuple[tuple[int, int], ...]
    lines_b: tuple[tuple[int, int], ...]

    @property
    def matching_functions(self) -> tuple[tuple[str, str], ...]:
        """(function of a, function of b) for each match between two graded functions."""
        return tuple((m.a, m.b) for m in self.matches if m.graded)


@dataclass(frozen=True)
class Similarity:
    """Every pair of a class, ranked, and the prepared submissions (the pair pages show them);
    notes: what a bound cut, one line each: a student whose code was not compared whole, and why;
    the pairs whose definitions were not paired."""

    pairs: tuple[Pair, ...]
    submissions: Mapping[str, Submission]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelPair:
    """Two students whose graded files of one name (e.g. a trained model) are identical (see
    `model_fingerprint`); file is that name."""

    a: str
    b: str
    fingerprint: str
    file: str = ""


def module_source(folder: Path | str, functions: Sequence[str]) -> str | None:
    """A student's module source text, as compared: what was graded. The folder's cnn.py as
    grader.submission.files takes it (a link to a file inside the folder is that file; a link out
    of it, which could name any file of the grader's machine, is not taken) or, when it has none,
    the module cut out of its notebook for the graded `functions`; None when there is neither, or
    the notebook cannot be read (the student's grading row says why). The one place that says
    where a student's code is read from. cnn.py is read up to MAX_SOURCE_CHARS characters
    (`prepare` says when a file is longer)."""
    try:
        files = manifest(folder)
        module = files.file(MODULE)
        if module is None:  # the notebook's own bounds apply (grader.submission.notebook)
            return read_submission(Path(folder), functions, files=files).generated.get(MODULE)
        data = b""
        for block in files.chunks(module):
            data += block
            if len(data) >= 4 * MAX_SOURCE_CHARS + 4:
                break
    except (Refused, Unreadable):
        return None
    return data[:4 * MAX_SOURCE_CHARS + 4].decode("utf-8", errors="replace")[:MAX_SOURCE_CHARS + 1]


# ---------------------------------------------------------------- what is compared

def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    names = []
    for target in targets:
        names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


def _used_names(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def code_to_compare(source: str, functions: Sequence[str]) -> tuple[Segment, ...]:
    """The graded functions of a module source text and the top-level helpers and constants they
    use, directly or through each other, in file order.

    Found statically: the module is parsed, never run. A name defined twice counts where Python
    would take it from (the last definition). A module that does not parse is compared whole, so
    a submission with a syntax error is still compared (the starter code is removed later anyway).
    Only the first MAX_SOURCE_CHARS characters are read.
    """
    source = _head(source)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: a NUL byte
        lines = source.splitlines()
        return (Segment("(whole file)", "module", 1, max(len(lines), 1), source),) if source.strip() else ()
    definitions: dict[str, ast.stmt] = {}
    for node in tree.body:
        for name in _defined_names(node):
            definitions[name] = node
    graded = [f for f in dict.fromkeys(functions)
              if isinstance(definitions.get(f), (ast.FunctionDef, ast.AsyncFunctionDef))]
    wanted: dict[int, ast.stmt] = {}
    todo = [definitions[f] for f in graded]
    while todo:
        node = todo.pop()
        if id(node) in wanted:
            continue
        wanted[id(node)] = node
        todo += [definitions[n] for n in sorted(_used_names(node)) if n in definitions]
    lines = source.splitlines(keepends=True)
    segments = []
    for node in sorted(wanted.values(), key=lambda n: n.lineno):
        first, last = _first_line(node), node.end_lineno or node.lineno
        names = _defined_names(node)
        name = next((n for n in names if n in graded), ", ".join(dict.fromkeys(names)))
        kind = "graded" if name in graded else "helper"
        segments.append(Segment(name, kind, first, last, "".join(lines[first - 1:last])))
    return tuple(segments)


def _head(source: str) -> str:
    """The first MAX_SOURCE_CHARS characters of a source, cut after its last whole top-level
    statement there (a line that starts a new one), so that what is kept still parses."""
    if len(source) <= MAX_SOURCE_CHARS:
        return source
    head = source[:MAX_SOURCE_CHARS]
    end = len(head)
    while (end := head.rfind("\n", 0, end)) > 0:  # a newline followed by a top-level line
        if end + 1 < len(head) and head[end + 1] not in " \t\n#)]}":
            return head[:end + 1]
    return head


# ---------------------------------------------------------------- fingerprints

def _copydetect(text: str) -> CodeFingerprint:
    """copydetect's normalised text and k-gram fingerprints of a piece of Python (window 1: all)."""
    return CodeFingerprint(MODULE, K, WINDOW, fp=io.StringIO(text), language="python")


def _fingerprint(segment: Segment, starter: np.ndarray) -> _Print:
    found = _copydetect(segment.text)
    keys = np.fromiter(found.hash_idx.keys(), dtype=np.int64, count=len(found.hash_idx))
    counts = [len(where) for where in found.hash_idx.values()]
    positions = np.fromiter(itertools.chain.from_iterable(found.hash_idx.values()), dtype=np.int64,
                            count=sum(counts))
    keys = np.repeat(keys, counts)
    order = np.argsort(positions, kind="stable")
    keys, positions = keys[order], positions[order]
    own = ~np.isin(keys, starter)
    starter_only = bool(len(keys)) and not own.any()
    keys, positions = keys[own], positions[own]
    # copydetect's mapping from normalised positions back to the raw text (compare_files): add
    # the characters the normaliser removed before each one; then to source lines.
    offsets = np.asarray(found.offsets, dtype=np.int64).reshape(-1, 2)
    newlines = np.array([i for i, c in enumerate(segment.text) if c == "\n"], dtype=np.int64)

    def raw(normalised: np.ndarray) -> np.ndarray:
        if not len(offsets):
            return normalised
        return normalised + offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], normalised), 0, len(offsets) - 1)]

    start, end = raw(positions), raw(positions + K)
    first_lines = segment.first_line + np.searchsorted(newlines, start)
    last_lines = segment.first_line + np.searchsorted(newlines, np.maximum(end - 1, start))
    # int32 where it fits (a source is at most MAX_SOURCE_CHARS): a class holds every student's.
    return _Print(keys, positions.astype(np.int32), first_lines.astype(np.int32), last_lines.astype(np.int32),
                  _covered(positions), starter_only)


def _covered(positions: np.ndarray, groups: np.ndarray | None = None) -> int:
    """Normalised characters spanned by k-grams starting at these positions (sorted, within each
    group), summed over the groups: each run of k-grams less than K apart covers from its first
    start to its last start plus K (copydetect's copied slices)."""
    if not len(positions):
        return 0
    steps = np.minimum(np.diff(positions), K)
    if groups is None:
        return int(steps.sum()) + K
    same = np.diff(groups) == 0
    return int(steps[same].sum()) + K * (int(np.count_nonzero(~same)) + 1)


def boilerplate(starter_source: str) -> np.ndarray:
    """Every k-gram fingerprint of the starter code (as copydetect does for boilerplate: window
    1), sorted, so that what every student received counts for nothing."""
    return np.unique(np.fromiter(_copydetect(starter_source).hashes, dtype=np.int64))


def prepare(name: str, source: str, functions: Sequence[str], starter: np.ndarray) -> Submission:
    """A student's module source text, ready to compare: its segments and their fingerprints,
    without the starter's (see `boilerplate`); at most MAX_SOURCE_CHARS of the source and
    MAX_DEFINITIONS definitions, the graded functions first (`cut` says what was left out)."""
    cut = []
    head = _head(source)
    if len(head) < len(source):
        cut.append(_("compared the first {size} KiB of the code, which is longer (cnngrade reads {limit} KiB of a "
                     "student's code)", size=len(head) >> 10, limit=MAX_SOURCE_CHARS >> 10))
    segments = code_to_compare(head, functions)
    # What a bound keeps first: the graded functions in the order of the course (so that two
    # students keep the same ones, whatever the order of their files), then helpers in file order.
    course = {f: i for i, f in enumerate(dict.fromkeys(functions))}
    priority = sorted(range(len(segments)), key=lambda i: (course.get(segments[i].name, len(course)),
                                                           segments[i].first_line))
    if len(segments) > MAX_DEFINITIONS:
        cut.append(_("compared {limit} of its {count} definitions, the graded functions first (cnngrade compares at "
                     "most {limit})", limit=MAX_DEFINITIONS, count=number(len(segments))))
        kept = sorted(priority[:MAX_DEFINITIONS])
        segments = tuple(segments[i] for i in kept)
        priority = [kept.index(i) for i in priority[:MAX_DEFINITIONS]]
    prints = tuple(_fingerprint(s, starter) for s in segments)
    return Submission(name, head, segments, prints, sum(p.coverage for p in prints), _("; ").join(cut), tuple(priority))


def _limited(submission: Submission, most: int) -> Submission:
    """The submission compared on at most `most` fingerprints: its segments in order of priority,
    the one that crosses the limit cut short, the ones after it left without fingerprints."""
    total = submission.size
    if total <= most:
        return submission
    prints = list(submission.prints)
    left = most
    for i in submission.priority:
        p = prints[i]
        keep = min(len(p.keys), left)
        left -= keep
        if keep < len(p.keys):
            prints[i] = replace(p, keys=p.keys[:keep], positions=p.positions[:keep], first_lines=p.first_lines[:keep],
                                last_lines=p.last_lines[:keep], coverage=_covered(p.positions[:keep]))
    note = _("compared {limit} of its {count} fingerprints, the graded functions first (a class with this much code "
             "is compared on at most {limit} a student)", limit=number(most), count=number(total))
    return replace(submission, prints=tuple(prints), coverage=sum(p.coverage for p in prints),
                   cut=_("; ").join(filter(None, [submission.cut, note])))


def _class_limit(sizes: Sequence[int]) -> int | None:
    """The most fingerprints a student is compared on so that each student's, times the other
    students, summed, stays within CLASS_WORK; None when the class is within it whole."""
    others = max(len(sizes) - 1, 1)
    if others * sum(sizes) <= CLASS_WORK:
        return None
    ordered = sorted(sizes)
    below = 0  # fingerprints of the students below the limit, compared whole
    for index, size in enumerate(ordered):
        above = len(ordered) - index  # students at or above this size, each cut to the limit
        limit = (CLASS_WORK // others - below) // above
        if limit < size:
            return max(limit, 0)
        below += size
    return None


def _flat(submission: Submission) -> _Flat:
    prints = submission.prints

    def stacked(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in prints]) if prints else np.zeros(0, np.int32)

    keys = stacked("keys")
    segments = np.repeat(np.arange(len(prints), dtype=np.int32), [len(p.keys) for p in prints])
    distinct, which = np.unique(keys, return_inverse=True)
    grouped = np.argsort(which, kind="stable").astype(np.int32)  # by fingerprint, then segment and position
    starts = np.searchsorted(which[grouped], np.arange(len(distinct) + 1))
    # How many of the student's segments hold each fingerprint.
    firsts = np.concatenate([[True], (np.diff(which[grouped]) != 0) | (np.diff(segments[grouped]) != 0)]) \
        if len(keys) else np.zeros(0, bool)
    spread = np.bincount(which[grouped][firsts], minlength=len(distinct))
    return _Flat(stacked("positions"), segments, stacked("first_lines"), stacked("last_lines"), distinct, grouped,
                 starts, spread, np.array([p.coverage for p in prints], dtype=np.int64), len(prints))


# ---------------------------------------------------------------- comparing

def _share(matched: float, coverage: float) -> float:
    return round(matched / coverage, SCORE_DIGITS) if coverage else 0.0


def _merge(first: np.ndarray, last: np.ndarray) -> tuple[tuple[int, int], ...]:
    """Line ranges (first, last) joined where they overlap or touch, in order."""
    if not len(first):
        return ()
    order = np.lexsort((last, first))
    first, last = first[order], last[order]
    reach = np.maximum.accumulate(last)
    starts = np.concatenate([[True], first[1:] > reach[:-1] + 1])
    ends = np.concatenate([starts[1:], [True]])
    return tuple(zip(first[starts].tolist(), reach[ends].tolist()))


def _ranges(low: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every index of the ranges [low, low + width), in order, and the range each belongs to."""
    rows = np.repeat(np.arange(len(low)), width)
    return np.repeat(low, width) + np.arange(int(width.sum())) - np.repeat(np.cumsum(width) - width, width), rows


def _common(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the values two sorted arrays of distinct values share are, in each (in value order):
    the shorter searched in the longer."""
    if len(x) > len(y):
        found_y, found_x = _common(y, x)
        return found_x, found_y
    at = np.minimum(np.searchsorted(y, x), max(len(y) - 1, 0))
    hit = np.flatnonzero(y[at] == x) if len(y) else np.zeros(0, np.int64)
    return hit, at[hit]


def _overlap(side: _Flat, shared: np.ndarray, lines: bool) -> tuple[int, tuple[tuple[int, int], ...]]:
    """How much of one side's normalised code its `shared` fingerprints (indices of its distinct
    ones) cover, and (with `lines`) the lines they cover."""
    chosen = np.zeros(len(side.positions), bool)
    chosen[side.grouped[_ranges(side.starts[shared], side.starts[shared + 1] - side.starts[shared])[0]]] = True
    positions, segments = side.positions[chosen], side.segments[chosen]
    if not len(positions) or not lines:
        return _covered(positions, segments), ()
    # Runs of k-grams less than K apart, within a segment: each run is one highlighted range.
    starts = np.concatenate([[True], (np.diff(segments) != 0) | (np.diff(positions) > K - 1)])
    ends = np.concatenate([starts[1:], [True]])
    return _covered(positions, segments), _merge(side.first_lines[chosen][starts], side.last_lines[chosen][ends])


def _places(side: _Flat, shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fingerprint, segment) ids (the fingerprint's rank among `shared`, times the segments, plus
    the segment) of every place of the shared fingerprints, sorted, and their positions."""
    low = side.starts[shared]
    where, rank = _ranges(low, side.starts[shared + 1] - low)
    entries = side.grouped[where]
    return rank * side.count + side.segments[entries], side.positions[entries]


def _matches(a: Submission, b: Submission, fa: _Flat, fb: _Flat, shared_a: np.ndarray,
             shared_b: np.ndarray) -> tuple[Match, ...]:
    """Definitions of a and b that share code: pairs of mutual best partners that share enough.

    A definition pair's score is the share of both definitions' fingerprinted code covered by the
    fingerprints they have in common, computed for every pair of definitions with one in common,
    over arrays: (fingerprint, definition of a, definition of b) triples, then each definition's
    positions of those fingerprints. Fingerprints in more than MAX_SPREAD of a side's definitions
    are left out of this (only here), which bounds the triples by MAX_SPREAD² times the shared
    fingerprints."""
    shared_a, shared_b = _pairing(fa, fb, shared_a, shared_b)
    ids_a, positions_a = _places(fa, shared_a)
    ids_b, positions_b = _places(fb, shared_b)
    pairs_a, pairs_b = _distinct(ids_a), _distinct(ids_b)
    fingerprint_b = pairs_b // fb.count
    low = np.searchsorted(fingerprint_b, pairs_a // fa.count)
    width = np.searchsorted(fingerprint_b, pairs_a // fa.count, "right") - low
    if not width.sum():
        return ()
    # Every (fingerprint, segment of a, segment of b) with the fingerprint in both segments.
    row_b, row_a = _ranges(low, width)
    candidates = (pairs_a[row_a] % fa.count) * fb.count + pairs_b[row_b] % fb.count
    matched_a = _covered_by(candidates, pairs_a[row_a], ids_a, positions_a)
    matched_b = _covered_by(candidates, pairs_b[row_b], ids_b, positions_b)
    pairs = sorted(matched_a)
    i = np.array([c // fb.count for c in pairs])
    j = np.array([c % fb.count for c in pairs])
    total = fa.coverages[i] + fb.coverages[j]
    scores = [_share(matched_a[c] + matched_b[c], t) for c, t in zip(pairs, total.tolist())]
    # Each definition's best partner on the other side (a tie goes to the earlier one); a pair
    # is listed when each is the other's best, so that a function that merely resembles a
    # neighbour of its real counterpart (max_pool2d and avg_pool2d) is not listed twice.
    score = np.array(scores)
    best_a = np.lexsort((j, -score, i))  # per i: highest score, then lowest j
    best_b = np.lexsort((i, -score, j))
    first_a = best_a[np.concatenate([[True], np.diff(i[best_a]) != 0])]
    first_b = best_b[np.concatenate([[True], np.diff(j[best_b]) != 0])]
    mutual = sorted(set(first_a.tolist()) & set(first_b.tolist()))
    found = [Match(a.segments[i[k]].name, b.segments[j[k]].name, a.segments[i[k]].kind, b.segments[j[k]].kind,
                   scores[k]) for k in mutual if scores[k] >= MATCH_THRESHOLD]
    return tuple(sorted(found, key=lambda m: (-m.score, m.a, m.b)))


def _covered_by(candidates: np.ndarray, keys: np.ndarray, ids: np.ndarray, positions: np.ndarray) -> dict[int, int]:
    """For each candidate definition pair, the normalised characters of one side's definition
    covered by its positions of the fingerprints given for that candidate (`keys`: one
    (fingerprint, segment) id per candidate row; `ids`, `positions`: the side's, sorted by id)."""
    low = np.searchsorted(ids, keys)
    where, row = _ranges(low, np.searchsorted(ids, keys, "right") - low)
    rows, spots = candidates[row], positions[where]
    order = np.lexsort((spots, rows))
    rows, spots = rows[order], spots[order]
    same = np.concatenate([[False], rows[1:] == rows[:-1]])
    gains = np.where(same, np.minimum(np.diff(spots, prepend=0), K), K)
    first = np.flatnonzero(~same)
    return dict(zip(rows[first].tolist(), np.add.reduceat(gains, first).tolist()))


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array."""
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


def _pairing(fa: _Flat, fb: _Flat, shared_a: np.ndarray, shared_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shared fingerprints that pair definitions: those in at most MAX_SPREAD definitions of each."""
    use = (fa.spread[shared_a] <= MAX_SPREAD) & (fb.spread[shared_b] <= MAX_SPREAD)
    return shared_a[use], shared_b[use]


def _pairing_work(fa: _Flat, fb: _Flat, shared_a: np.ndarray, shared_b: np.ndarray) -> int:
    """What pairing the definitions of two students costs (`_matches`), known before it is done:
    the (fingerprint, definition, definition) triples and the positions each side brings to them."""
    shared_a, shared_b = _pairing(fa, fb, shared_a, shared_b)
    spread_a, spread_b = fa.spread[shared_a], fb.spread[shared_b]
    places_a = fa.starts[shared_a + 1] - fa.starts[shared_a]
    places_b = fb.starts[shared_b + 1] - fb.starts[shared_b]
    return int((spread_a * spread_b).sum() + (places_a * spread_b).sum() + (places_b * spread_a).sum())


def compare_pair(a: Submission, b: Submission, fa: _Flat | None = None, fb: _Flat | None = None,
                 lines: bool = True, pair_definitions: bool = True) -> Pair:
    """How much of a's and b's compared code coincides, and (with `lines`) where and (with
    `pair_definitions`) in which definitions; `fa` and `fb`: their flat fingerprints, when already
    made. Scoring is linear in the two students' fingerprints; pairing definitions costs
    `_pairing_work`."""
    fa, fb = fa or _flat(a), fb or _flat(b)
    shared_a, shared_b = _common(fa.distinct, fb.distinct)
    if not len(shared_a):
        return Pair(a.name, b.name, 0.0, 0.0, 0.0, (), (), ())
    matched_a, lines_a = _overlap(fa, shared_a, lines)
    matched_b, lines_b = _overlap(fb, shared_b, lines)
    score = _share(matched_a + matched_b, a.coverage + b.coverage)
    matches = _matches(a, b, fa, fb, shared_a, shared_b) if pair_definitions else ()
    return Pair(a.name, b.name, score, _share(matched_a, a.coverage), _share(matched_b, b.coverage), matches,
                lines_a, lines_b)


def rank(pairs: Iterable[Pair]) -> tuple[Pair, ...]:
    """Highest score first; equal scores in name order, so the ranking is the same every run."""
    return tuple(sorted(pairs, key=lambda p: (-p.score, p.a, p.b)))


def compare(submissions: Iterable[Submission]) -> Similarity:
    """Every pair of submissions (each pair once, a before b in name order), ranked, within the
    class's bounds: CLASS_WORK (the larger submissions cut alike) and CLASS_PAIRING (definitions
    paired for the most similar pairs first); the notes say what was cut."""
    ordered = sorted(submissions, key=lambda s: s.name)
    limit = _class_limit([s.size for s in ordered])
    if limit is not None:
        ordered = [_limited(s, limit) for s in ordered]
    by_name = {s.name: s for s in ordered}
    flats = {s.name: _flat(s) for s in ordered}
    scored = rank(compare_pair(a, b, flats[a.name], flats[b.name], lines=False, pair_definitions=False)
                  for a, b in itertools.combinations(ordered, 2))
    pairs: list[Pair] = []
    left, unpaired = CLASS_PAIRING, None
    for pair in scored:
        fa, fb = flats[pair.a], flats[pair.b]
        lines = len(pairs) < LINED_PAIRS
        pairing = False
        if pair.score and unpaired is None:
            work = _pairing_work(fa, fb, *_common(fa.distinct, fb.distinct))
            pairing = work <= left
            left -= work if pairing else 0
            unpaired = None if pairing else len(pairs)
        if pair.score and (lines or pairing):
            pair = compare_pair(by_name[pair.a], by_name[pair.b], fa, fb, lines, pairing)
        pairs.append(pair)
    notes = [f"{s.name}: {s.cut}" for s in ordered if s.cut]
    if unpaired is not None:
        first = pairs[unpaired]
        rest = sum(1 for p in pairs[unpaired:] if p.score)
        notes.append(_("definitions were paired for the {paired} most similar pairs; the {rest} pairs from {a} and "
                       "{b} ({score}) down list none: the class shares more code than cnngrade pairs in one comparison",
                       paired=number(unpaired), rest=number(rest), a=first.a, b=first.b, score=percent(first.score)))
    return Similarity(tuple(pairs), by_name, tuple(notes))


def find_similar(sources: Mapping[str, str], functions: Sequence[str], starter_source: str) -> Similarity:
    """The whole comparison of a class: student name -> module source text, the graded function
    names, and the starter code's text (removed as boilerplate)."""
    starter = boilerplate(starter_source)
    return compare(prepare(name, source, functions, starter) for name, source in sources.items())


# ---------------------------------------------------------------- identical models

def _digest(handle) -> str | None:
    digest, read = hashlib.sha256(), 0
    while chunk := handle.read(1 << 20):
        read += len(chunk)
        if read > MAX_WEIGHTS_BYTES:
            return None
        digest.update(chunk)
    return digest.hexdigest()


def model_fingerprint(path: Path | str) -> str | None:
    """The SHA-256 of a graded file, or None when it is missing, a symbolic link or unreadable.

    A zip archive (the usual container of a saved model) is fingerprinted by its largest member,
    where a saved model keeps its weights; its small members record how and when it was saved
    (a date, versions, the layer names), so a model copied and saved again still matches. Any
    other file, by all its bytes. Read as bytes only: no framework touches the student's file in
    the trusted process. A model trained again, even with equal settings, differs in bytes: this
    finds copies of a file, not equal models made separately.
    """
    path = Path(path)
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if not zipfile.is_zipfile(path):
            with path.open("rb") as handle:
                return _digest(handle)
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if not members:
                return None
            largest = max(members, key=lambda m: (m.file_size, m.filename))
            with archive.open(largest) as member:
                return _digest(member)
    except (OSError, KeyError, EOFError, RuntimeError, NotImplementedError, ValueError,
            zipfile.BadZipFile, zlib.error):
        # Unreadable, encrypted, an unknown compression, a corrupt member.
        return None


def identical_models(models: Mapping[str, Path | str], file: str = "") -> tuple[ModelPair, ...]:
    """Pairs of students (student name -> path of one graded file; file: its name, for the
    report) whose files are identical (see `model_fingerprint`), in name order. Files that are
    missing or unreadable are left out."""
    groups: dict[str, list[str]] = {}
    for name in sorted(models):
        fingerprint = model_fingerprint(models[name])
        if fingerprint is not None:
            groups.setdefault(fingerprint, []).append(name)
    pairs = [ModelPair(a, b, fingerprint, file) for fingerprint, names in groups.items()
             for a, b in itertools.combinations(names, 2)]
    return tuple(sorted(pairs, key=lambda p: (p.a, p.b)))
