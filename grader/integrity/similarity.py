"""Similar submissions, for review: which pairs of students share long runs of graded code.

What is compared, per student, is the source of the graded functions and of the top-level
helpers and constants they use (found statically with `ast`; student code is never executed),
taken from a module source text (cnn.py, or the module extracted from a notebook). The
comparison is copydetect's (PyPI, MIT): its Pygments-based normaliser replaces every name by
`V`/`F`, every string by `S` and drops layout and comments, so renaming every variable changes
nothing; k-grams of the normalised text are winnowed into fingerprints; fingerprints that occur
in the starter code (the boilerplate) are dropped. Each top-level definition is fingerprinted
on its own, so the order of the functions in the file does not matter either.

The k-gram hash is ours, not copydetect's: copydetect hashes with Python's `hash()`, which is
salted per process (PYTHONHASHSEED). With copydetect's default window of 1 every k-gram is kept
and only equality of hashes matters, but with a wider window the winnowed selection, and so the
scores, would change from one run to the next; BLAKE2b of each k-gram is the same every run.

Short NumPy functions look alike naturally (`np.maximum(x, 0)` is written the same way by
everyone), so pairs are ranked for a person to review, never cut at a score: every pair goes to
the CSV; `DEFAULT_THRESHOLD` only decides which pairs the class page shows.

Identical files: the files the exercises grade (spec `files`, e.g. a trained model) that are
byte for byte the same, or, for a zip archive, whose largest member is (see `model_fingerprint`).
"""
from __future__ import annotations

import ast
import bisect
import hashlib
import itertools
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
from copydetect import defaults
from copydetect.utils import filter_code, get_copied_slices, get_token_coverage, winnow

from grader.submission.files import Refused, manifest

# copydetect's defaults: a match must span K normalised characters (noise threshold), and any
# match of GUARANTEE characters is found (window = GUARANTEE - K + 1; 1 keeps every k-gram).
K = defaults.NOISE_THRESHOLD
GUARANTEE = defaults.GUARANTEE_THRESHOLD
WINDOW = GUARANTEE - K + 1

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
# Characters of one source compared at most: a real cnn.py is under 50 KB, and lexing is linear,
# so a huge file (a folder may hold 256 MiB) costs seconds, not the batch.
MAX_SOURCE_CHARS = 1 << 20


@dataclass(frozen=True)
class Segment:
    """One top-level definition that is compared: a graded function, or a helper or constant
    that a graded function uses. Lines are 1-based and inclusive, as in the student's file."""

    name: str
    kind: str  # "graded", "helper", or "module" (the whole file, when it does not parse)
    first_line: int
    last_line: int
    text: str


@dataclass(frozen=True)
class _Print:
    """A segment's fingerprints: hash -> positions in its normalised text, and how to map a
    normalised position back to the segment's own text."""

    index: dict[int, list[int]]
    coverage: float  # normalised characters covered by fingerprints (copydetect's token coverage)
    offsets: np.ndarray
    newlines: list[int]  # positions of "\n" in the segment's text
    starter_only: bool  # every fingerprint is the starter's: an untouched stub


@dataclass(frozen=True)
class Submission:
    """A student's code prepared for comparison (the output of `prepare`)."""

    name: str
    source: str
    segments: tuple[Segment, ...]
    prints: tuple[_Print, ...] = field(repr=False)
    hashes: frozenset[int] = field(repr=False)  # every fingerprint of every segment
    coverage: float = 0.0

    def untouched(self, segment: Segment) -> bool:
        """Whether a segment is the starter's as handed out (a stub never filled in)."""
        return self.prints[self.segments.index(segment)].starter_only

    def owner(self, line: int) -> Segment | None:
        """The segment that holds a line of the source, if any."""
        return next((s for s in self.segments if s.first_line <= line <= s.last_line), None)


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
    ranges (first, last; 1-based, inclusive) in each student's source, for highlighting.
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
    """Every pair of a class, ranked, and the prepared submissions (the pair pages show them)."""

    pairs: tuple[Pair, ...]
    submissions: Mapping[str, Submission]


@dataclass(frozen=True)
class ModelPair:
    """Two students whose graded files of one name (e.g. a trained model) are identical (see
    `model_fingerprint`); file is that name."""

    a: str
    b: str
    fingerprint: str
    file: str = ""


def module_source(folder: Path | str) -> str | None:
    """A student's module source text, as compared: the folder's cnn.py as grader.submission.files
    takes it (what was graded: a link to a file inside the folder is that file; a link out of it,
    which could name any file of the grader's machine, is not taken), or None when there is none.
    The one place that says where a student's code is read from (a notebook's extracted module
    comes in here too). At most MAX_SOURCE_CHARS characters."""
    try:
        files = manifest(folder)
        module = files.file("cnn.py")
        if module is None:
            return None
        data = b""
        for block in files.chunks(module):
            data += block
            if len(data) >= 4 * MAX_SOURCE_CHARS:
                break
    except Refused:
        return None
    return data[:4 * MAX_SOURCE_CHARS].decode("utf-8", errors="replace")[:MAX_SOURCE_CHARS]


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
    source = source[:MAX_SOURCE_CHARS]
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


# ---------------------------------------------------------------- fingerprints

def _kgram_hashes(text: str, k: int) -> np.ndarray:
    """A stable 63-bit hash of every k-gram (copydetect's hashed_kgrams, without the salt)."""
    return np.array([int.from_bytes(hashlib.blake2b(text[i:i + k].encode(), digest_size=8).digest(), "little") >> 1
                     for i in range(len(text) - k + 1)], dtype=np.int64)


def _fingerprint(text: str, boilerplate: frozenset[int]) -> _Print:
    normalised, offsets = filter_code(text, "cnn.py", language="python")
    hashes = _kgram_hashes(normalised, K)
    index: dict[int, list[int]] = {}
    starter_only = False
    if len(hashes):
        selected, positions = winnow(hashes, WINDOW, remove_duplicates=False)
        for value, position in zip(selected.tolist(), positions.tolist()):
            if value not in boilerplate:
                index.setdefault(value, []).append(position)
        starter_only = not index
    coverage = float(get_token_coverage(index, K, len(normalised))) if index else 0.0
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    return _Print(index, coverage, offsets, newlines, starter_only)


def boilerplate(starter_source: str) -> frozenset[int]:
    """Every k-gram hash of the starter code (as copydetect does for boilerplate: window 1), so
    that what every student received counts for nothing."""
    normalised, _ = filter_code(starter_source, "cnn.py", language="python")
    return frozenset(_kgram_hashes(normalised, K).tolist())


def prepare(name: str, source: str, functions: Sequence[str], starter: frozenset[int]) -> Submission:
    """A student's module source text, ready to compare: its segments and their fingerprints,
    without the starter's (see `boilerplate`)."""
    source = source[:MAX_SOURCE_CHARS]
    segments = code_to_compare(source, functions)
    prints = tuple(_fingerprint(s.text, starter) for s in segments)
    hashes = frozenset(h for p in prints for h in p.index)
    return Submission(name, source, segments, prints, hashes, sum(p.coverage for p in prints))


# ---------------------------------------------------------------- comparing

def _covered(positions: list[int]) -> int:
    """Normalised characters spanned by k-grams starting at these positions (copydetect's slices)."""
    if not positions:
        return 0
    starts, ends = get_copied_slices(np.array(positions, dtype=np.int64), K)
    return int(np.sum(ends - starts))


def _lines(submission: Submission, segment: int, positions: list[int]) -> list[tuple[int, int]]:
    """The source lines (first, last) of the matched runs of one segment."""
    if not positions:
        return []
    p = submission.prints[segment]
    slices = get_copied_slices(np.array(positions, dtype=np.int64), K).astype(np.int64)
    if len(p.offsets):
        # copydetect's own mapping from normalised positions back to the raw text
        # (detector.compare_files): add the characters the normaliser removed before each one.
        slices = slices + p.offsets[:, 1][np.clip(np.searchsorted(p.offsets[:, 0], slices),
                                                  0, p.offsets.shape[0] - 1)]
    first_line = submission.segments[segment].first_line
    ranges = []
    for start, end in zip(slices[0].tolist(), slices[1].tolist()):
        ranges.append((first_line + bisect.bisect_left(p.newlines, start),
                       first_line + bisect.bisect_left(p.newlines, max(end - 1, start))))
    return ranges


def _merge(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return tuple((a, b) for a, b in merged)


def _positions(submission: Submission, segment: int, hashes: set[int] | frozenset[int]) -> list[int]:
    """Where a segment's fingerprints that are in `hashes` start, in its normalised text."""
    return [p for h, positions in submission.prints[segment].index.items() if h in hashes for p in positions]


def _share(matched: float, coverage: float) -> float:
    return round(matched / coverage, SCORE_DIGITS) if coverage else 0.0


def _matches(a: Submission, b: Submission, shared: set[int]) -> tuple[Match, ...]:
    """Definitions of a and b that share code: pairs of mutual best partners that share enough."""
    candidates: set[tuple[int, int]] = set()
    segments_a = [set(p.index) for p in a.prints]
    segments_b = [set(p.index) for p in b.prints]
    for i, hashes_a in enumerate(segments_a):
        if hashes_a & shared:
            candidates.update((i, j) for j, hashes_b in enumerate(segments_b) if not hashes_a.isdisjoint(hashes_b))
    scores: dict[tuple[int, int], float] = {}
    for i, j in candidates:
        common = segments_a[i] & segments_b[j]
        matched = _covered(_positions(a, i, common)) + _covered(_positions(b, j, common))
        scores[i, j] = _share(matched, a.prints[i].coverage + b.prints[j].coverage)
    # Each definition's best partner on the other side (a tie goes to the earlier one); a pair
    # is listed when each is the other's best, so that a function that merely resembles a
    # neighbour of its real counterpart (max_pool2d and avg_pool2d) is not listed twice.
    best: list[dict[int, tuple[tuple[float, int], tuple[int, int]]]] = [{}, {}]
    for ij, score in scores.items():
        for side in (0, 1):
            key = (score, -ij[1 - side])
            if ij[side] not in best[side] or key > best[side][ij[side]][0]:
                best[side][ij[side]] = (key, ij)
    mutual = {ij for (score, _), ij in best[0].values()
              if score >= MATCH_THRESHOLD and best[1][ij[1]][1] == ij}
    found = [Match(a.segments[i].name, b.segments[j].name, a.segments[i].kind, b.segments[j].kind, scores[i, j])
             for i, j in mutual]
    return tuple(sorted(found, key=lambda m: (-m.score, m.a, m.b)))


def _overlap(side: Submission, shared: set[int]) -> tuple[int, list[tuple[int, int]]]:
    """How much of one side's normalised code the shared fingerprints cover, and its lines."""
    matched, lines = 0, []
    for i in range(len(side.segments)):
        positions = _positions(side, i, shared)
        matched += _covered(positions)
        lines += _lines(side, i, positions)
    return matched, lines


def compare_pair(a: Submission, b: Submission) -> Pair:
    """How much of a's and b's compared code coincides, where, and in which definitions."""
    shared = set(a.hashes & b.hashes)
    if not shared:
        return Pair(a.name, b.name, 0.0, 0.0, 0.0, (), (), ())
    matched_a, lines_a = _overlap(a, shared)
    matched_b, lines_b = _overlap(b, shared)
    score = _share(matched_a + matched_b, a.coverage + b.coverage)
    return Pair(a.name, b.name, score, _share(matched_a, a.coverage), _share(matched_b, b.coverage),
                _matches(a, b, shared), _merge(lines_a), _merge(lines_b))


def rank(pairs: Iterable[Pair]) -> tuple[Pair, ...]:
    """Highest score first; equal scores in name order, so the ranking is the same every run."""
    return tuple(sorted(pairs, key=lambda p: (-p.score, p.a, p.b)))


def compare(submissions: Iterable[Submission]) -> Similarity:
    """Every pair of submissions (each pair once, a before b in name order), ranked."""
    by_name = {s.name: s for s in sorted(submissions, key=lambda s: s.name)}
    pairs = (compare_pair(a, b) for a, b in itertools.combinations(by_name.values(), 2))
    return Similarity(rank(pairs), by_name)


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
