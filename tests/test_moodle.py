"""Moodle end to end (issue 22): the download a teacher gets, graded by `cnngrade batch`, and what
goes back into Moodle, checked by Moodle's own rules, written here from Moodle's code:

- the download (mod/assign/classes/downloader.php, get_student_prefix and
  load_submissionplugin_filelist): prefix = clean_filename(full name with `_` made spaces, or
  "Participant" under blind marking, + "_" + participant id); in folders,
  clean_param(clean_filename(prefix_assignsubmission_<plugin>) + file path + file name, PARAM_PATH)
  (before Moodle 4.1 the folder ends with `_`, importziplib.php says); without,
  clean_filename(prefix_assignsubmission_<plugin>_<file name>); online text as onlinetext.html
  (mod/assign/submission/onlinetext/locallib.php, get_files); clean_filename and PARAM_PATH are
  lib/moodlelib.php's clean_param;
- the worksheet (mod/assign/gradingtable.php when downloading; OpenSpout's CSV: a UTF-8 mark, PHP's
  fputcsv quoting) and its import (mod/assign/feedback/offline/importgradeslib.php: columns by
  their header in the teacher's language, the id after get_string('hiddenuser'), the grade through
  unformat_float with the language's decimal separator; locallib.php skips a grade above the maximum);
- the feedback ZIP's import (mod/assign/feedback/file/importziplib.php, is_valid_filename_for_import).

The exercises are the two cheap ones (pad2d, correlate2d) so that a whole class grades in seconds.
"""
from __future__ import annotations

import csv
import io
import json
import re
import stat
import subprocess
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from nbformat import v4

import assemble
from conftest import ROOT, run_cnngrade
from test_notebook_grading import write_notebook

EXERCISES = ("-e", "pad2d", "-e", "correlate2d")
ENGLISH = {"hiddenuser": "Participant ", "recordid": "Identifier", "fullname": "Full name", "email": "Email address",
           "status": "Status", "gradenoun": "Grade", "maxgrade": "Maximum Grade", "gradecanbechanged": "Grade can be changed",
           "lastmodifiedsubmission": "Last modified (submission)", "onlinetext": "Online text",
           "lastmodifiedgrade": "Last modified (grade)", "feedback": "Feedback comments", "decsep": ".",
           "submitted": "Submitted for grading", "nosubmission": "No submission", "yes": "Yes"}
# The French pack (AMOS trims strings: hiddenuser is "Participant", rows read "Participant1001").
FRENCH = {"hiddenuser": "Participant", "recordid": "Identifiant", "fullname": "Nom complet",
          "email": "Adresse de courriel", "status": "Statut", "gradenoun": "Note", "maxgrade": "Note maximale",
          "gradecanbechanged": "La note peut être modifiée", "lastmodifiedsubmission": "Dernière modification (travail remis)",
          "onlinetext": "Texte en ligne", "lastmodifiedgrade": "Dernière modification (note)",
          "feedback": "Feedback par commentaires", "decsep": ",", "submitted": "Remis pour évaluation",
          "nosubmission": "Aucun travail remis", "yes": "Oui"}
PLUGINS = {("assignsubmission", "file"), ("assignsubmission", "onlinetext"), ("assignsubmission", "comments"),
           ("assignfeedback", "comments"), ("assignfeedback", "file"), ("assignfeedback", "editpdf"),
           ("assignfeedback", "offline")}


# -- Moodle's rules -------------------------------------------------------------------------------

def clean_filename(text: str) -> str:
    """clean_param($text, PARAM_FILE)."""
    text = re.sub(r"[\x00-\x1f\x7f&<>\"`|':\\/]", "", text)
    return "" if text in (".", "..") else text


def clean_path(path: str) -> str:
    """clean_param($path, PARAM_PATH)."""
    crumbs = path.replace("\\", "/").split("/")
    path = "/".join(c if c == "." and i == 0 else clean_filename(c) for i, c in enumerate(crumbs))
    return re.sub(r"/(\./)+", "/", re.sub(r"//+", "/", path))


def prefix(fullname: str, participant: int, blind: bool = False) -> str:
    return clean_filename(("Participant" if blind else fullname).replace("_", " ") + "_" + str(participant))


def in_folders(fullname: str, participant: int, plugin: str, filepath: str, filename: str, blind: bool = False,
               before_41: bool = False) -> str:
    folder = clean_filename(f"{prefix(fullname, participant, blind)}_assignsubmission_{plugin}" + "_" * before_41)
    return clean_path(folder + filepath + filename if plugin == "file" else folder + "/" + filename)


def flat(fullname: str, participant: int, plugin: str, filename: str, blind: bool = False) -> str:
    return clean_filename(f"{prefix(fullname, participant, blind)}_assignsubmission_{plugin}_{filename}")


def php_is_numeric(text: str) -> bool:
    return re.fullmatch(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*", text) is not None


def is_valid_filename_for_import(path: str, participants: dict[int, str]) -> tuple[str, str] | None:
    """importziplib.php: the participant and the feedback file name a ZIP path gives, or None.
    Moodle extracts the ZIP into the file area's /import/ folder first."""
    if path.endswith("/"):
        return None
    filename = path.rsplit("/", 1)[-1]
    if filename.startswith((".", "~")):
        return None
    parts = ("/import/" + path).split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not php_is_numeric(info[1]):
            continue
        participant = int(float(info[1]))
        if participant not in participants or (info[2], info[3]) not in PLUGINS:
            continue
        parts.insert(0, info[4] if len(info) == 5 else "")
        return participants[participant], "/".join(parts)
    return None


def fputcsv(fields: list[str], delimiter: str = ",") -> str:
    """PHP's fputcsv, as OpenSpout writes Moodle's CSV: a field with the delimiter, a quote, a
    line end, a tab or a space is quoted."""
    def one(field: str) -> str:
        if any(c in field for c in (delimiter, '"', "\n", "\r", "\t", " ")):
            return '"' + field.replace('"', '""') + '"'
        return field
    return delimiter.join(one(f) for f in fields) + "\n"


def unformat_float(text: str, decsep: str) -> float | None:
    text = text.strip()
    if text == "":
        return None
    return float(text.replace(" ", "").replace(decsep, "."))


def worksheet(strings: dict, rows: list[dict], blind: bool, maximum: str) -> bytes:
    """A worksheet as gradingtable.php downloads it (an assignment with file and online text submissions)."""
    s = strings
    header = [s["recordid"]] + ([] if blind else [s["fullname"], s["email"]]) + [
        s["status"], s["gradenoun"], s["maxgrade"], s["gradecanbechanged"], s["lastmodifiedsubmission"],
        s["onlinetext"], s["lastmodifiedgrade"], s["feedback"]]
    text = fputcsv(header)
    for row in rows:
        submitted = row.get("submitted", True)
        text += fputcsv([s["hiddenuser"] + str(row["id"])] + ([] if blind else [row["name"], row["email"]]) + [
            s["submitted"] if submitted else s["nosubmission"], row.get("grade", ""), maximum, s["yes"],
            "lundi 2 septembre 2024, 10:00" if submitted else "-", row.get("onlinetext", ""), "-", ""])
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def import_worksheet(data: bytes, strings: dict) -> dict[int, tuple[float | None, str]]:
    """importgradeslib.php + process_import_grades: participant -> (grade, feedback comment)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    grade, ident, modified = (header.index(strings[k]) for k in ("gradenoun", "recordid", "lastmodifiedgrade"))
    feedback = header.index(strings["feedback"])
    found = {}
    for record in rows[1:]:
        participant = record[ident][len(strings["hiddenuser"]):]
        found[int(participant)] = (unformat_float(record[grade], strings["decsep"]), record[feedback])
    assert modified >= 0
    return found


# -- a class as Moodle gives it --------------------------------------------------------------------

def _source(name: str) -> str:
    return assemble.cnn_source(name)


def _notebook_bytes(tmp: Path) -> bytes:
    cells = [v4.new_markdown_cell("# TP 3")] + [v4.new_code_cell(_source("good"))] + [
        v4.new_code_cell("model.fit(x, y, epochs=100)")]
    return write_notebook(tmp / "notebook", cells).read_bytes()


def _zip(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def english_class(tmp: Path) -> tuple[dict[int, dict], dict[str, bytes]]:
    """The participants and the files of their submissions (path inside the submission -> bytes)."""
    notebook = _notebook_bytes(tmp)
    own_zip = _zip({"TP3/cnn.py": _source("pad2d_one_side"), "TP3/notes.txt": "my notes",
                    "__MACOSX/TP3/._cnn.py": b"\x00\x05\x16\x07"})
    return {
        1001: {"name": "Élodie N'Guessan", "email": "elodie@uni.example",
               "files": {("/", "cnn.py"): _source("good")}, "graded": {"cnn.py": _source("good")}},
        1002: {"name": "Jean-Luc de la Tour", "email": "jl@uni.example",
               "files": {("/", "TP3.zip"): own_zip},
               "graded": {"cnn.py": _source("pad2d_one_side"), "notes.txt": "my notes"}},
        1003: {"name": "Anna_Maria Rossi", "email": "anna@uni.example",
               "files": {("/notebooks/", "cnn.ipynb"): notebook}, "graded": {"cnn.ipynb": notebook},
               "before_41": True},
        1004: {"name": "Bob O'Neil", "email": "bob@uni.example",
               "files": {("/v1/", "cnn.py"): _source("good"), ("/v2/", "cnn.py"): _source("good")},
               "reason": "the upload holds 2 files named cnn.py (v1/cnn.py, v2/cnn.py): keep only the one to grade"},
        1005: {"name": "Chloé Dubois", "email": "chloe@uni.example", "files": {("/", "report.pdf"): b"%PDF-1.4"},
               "reason": "the upload holds no cnn.py and no notebook, only report.pdf"},
        1006: {"name": "Ann Lee", "email": "ann@uni.example", "onlinetext": "<p>def pad2d(x, p): ...</p>",
               "reason": "only an online text was submitted, and cnngrade grades cnn.py or a notebook"},
    }


def download_zip(path: Path, participants: dict[int, dict], blind: bool = False) -> Path:
    """"Download all submissions" with "Download submissions in folders" on (the default)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for pid, p in participants.items():
            for (filepath, filename), data in p.get("files", {}).items():
                archive.writestr(in_folders(p["name"], pid, "file", filepath, filename, blind,
                                            p.get("before_41", False)), data)
            if "onlinetext" in p:
                page = f'<!DOCTYPE html><html><head><meta charset="UTF-8"></head><body>{p["onlinetext"]}</body></html>'
                archive.writestr(in_folders(p["name"], pid, "onlinetext", "/", "onlinetext.html", blind), page)
    return path


def download_folder_flat(path: Path, participants: dict[int, dict], blind: bool) -> Path:
    """The same without "Download submissions in folders", unpacked into a folder."""
    path.mkdir()
    for pid, p in participants.items():
        for (_, filename), data in p.get("files", {}).items():
            target = path / flat(p["name"], pid, "file", filename, blind)
            target.write_bytes(data if isinstance(data, bytes) else data.encode())
        if "onlinetext" in p:
            (path / flat(p["name"], pid, "onlinetext", "onlinetext.html", blind)).write_text(p["onlinetext"])
    return path


def alone(tmp: Path, students: dict[int, dict[str, bytes | str]]) -> dict[int, bytes]:
    """What `cnngrade submit --json` writes for each student's files in a folder named by their id
    (the submits run at once)."""
    runs = {}
    for pid, files in students.items():
        folder = tmp / "alone" / str(pid)
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())
        command = [sys.executable, "-m", "grader.cli", "submit", str(folder), *EXERCISES, "--json",
                   str(tmp / "alone" / f"{pid}.json")]
        runs[pid] = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for run in runs.values():
        assert run.wait(timeout=900) in (0, 1)
    return {pid: (tmp / "alone" / f"{pid}.json").read_bytes() for pid in students}


def expected_grade(result: dict, maximum: Decimal) -> float:
    fraction = Decimal(repr(float(result["score"]))) / Decimal(repr(float(result["max_score"])))
    return float((fraction * maximum).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def check_feedback_zip(path: Path, participants: dict[int, dict], blind: bool) -> None:
    names = {pid: ("Participant" if blind else p["name"]) for pid, p in participants.items()}
    landed = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            found = is_valid_filename_for_import(info.filename, {pid: str(pid) for pid in participants})
            assert found is not None, info.filename
            pid, filename = found
            assert filename == "cnngrade-feedback.html" and pid not in landed, info.filename
            page = archive.read(info).decode()
            assert f"<h1>{pid} " in page and clean_filename(names[int(pid)].replace("_", " ")) in page
            landed[pid] = page
    assert sorted(map(int, landed)) == sorted(participants)


# -- the tests ---------------------------------------------------------------------------------

def test_folders_download_english_worksheet_and_feedback_zip(tmp_path):
    participants = english_class(tmp_path)
    download = download_zip(tmp_path / "TP3-submissions.zip", participants)
    rows = [{"id": pid, "name": p["name"], "email": p["email"], "onlinetext": p.get("onlinetext", "")}
            for pid, p in participants.items()]
    rows.append({"id": 1007, "name": "Zoé Absent", "email": "zoe@uni.example", "submitted": False, "grade": "55.00"})
    sheet = tmp_path / "Grades-TP3-42.csv"
    sheet.write_bytes(worksheet(ENGLISH, rows, blind=False, maximum="100.00"))
    out = tmp_path / "out"
    run = run_cnngrade("batch", download, *EXERCISES, "--out", out, "--moodle-worksheet", sheet)
    assert run.code == 1, run.stdout + run.stderr
    # Every graded participant is graded as `submit` grades their files, wherever they put them.
    results = {}
    submitted = alone(tmp_path, {pid: p["graded"] for pid, p in participants.items() if "graded" in p})
    for pid, p in participants.items():
        results[pid] = json.loads((out / "results" / f"{pid}.json").read_text())
        if "graded" in p:
            assert (out / "results" / f"{pid}.json").read_bytes() == submitted[pid], pid
        else:
            shown = clean_filename(p["name"].replace("_", " "))  # the name as the download spells it
            assert f"Nothing graded for {shown} (participant {pid}): {p['reason']}" in run.stdout, run.stdout
            messages = {c["message"] for e in results[pid]["exercises"] for c in e["checks"]}
            assert all(m.startswith(f"nothing graded: {p['reason']}") for m in messages), messages
    assert results[1001]["score"] == results[1003]["score"] == 18 and results[1002]["score"] < 18
    assert "Moodle download (one folder per participant and plugin): 6 participants, 3 with something to grade." \
        in run.stdout
    # The filled worksheet: only Grade and Feedback of the participants in the download changed,
    # the grade only for those graded; the header, the absent participant and the bytes around kept.
    before, after = sheet.read_bytes(), (tmp_path / "Grades-TP3-42-graded.csv").read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and _lines(after)[0] == _lines(before)[0]
    old, new = _cells(before), _cells(after)
    header = old[0]
    grade, feedback = header.index("Grade"), header.index("Feedback comments")
    for old_row, new_row in zip(old[1:], new[1:]):
        pid = int(old_row[0].split()[-1])
        changed = {i for i, (a, b) in enumerate(zip(old_row, new_row)) if a != b}
        if pid not in participants:
            assert changed == set()
        elif "graded" in participants[pid]:
            assert changed == {grade, feedback}, (pid, changed)
        else:
            assert changed == {feedback} and participants[pid]["reason"] in new_row[feedback]
    assert _lines(after)[-2] == _lines(before)[-2]  # Zoé: no submission, her row byte for byte
    imported = import_worksheet(after, ENGLISH)
    for pid, p in participants.items():
        if "graded" in p:
            assert imported[pid][0] == expected_grade(results[pid], Decimal(100)) <= 100, pid
            assert imported[pid][1].startswith(f"<p>cnngrade: {results[pid]['score']:g}/18 points.</p><ul><li>")
    assert imported[1007] == (55.0, "")
    # The feedback ZIP lands each page on its participant.
    check_feedback_zip(out / "moodle-feedback.zip", participants, blind=False)
    # The gradebook: the worksheet's identity columns, "-" for no submission.
    book = _cells((out / "grades.csv").read_bytes())
    assert book[0][:3] == ["Identifier", "Full name", "Email address"] and book[-1][3] == "-"
    assert "Élodie NGuessan" in (out / "index.html").read_text()  # the name beside the id (as Moodle cleaned it)
    # Again: nothing to grade again, the same outputs.
    again = run_cnngrade("batch", download, *EXERCISES, "--out", out, "--moodle-worksheet", sheet)
    assert "3 of 6 students unchanged since the last run" in again.stdout, again.stdout
    assert (tmp_path / "Grades-TP3-42-graded.csv").read_bytes() == after


def test_blind_prefixed_files_french_worksheet_similarity(tmp_path):
    participants = {
        2001: {"name": "Participant", "files": {("/", "cnn.py"): _source("good")}},
        2002: {"name": "Participant", "files": {("/", "cnn.py"): _source("correlate2d_flipped_kernel")}},
        2003: {"name": "Participant", "files": {("/", "solution.py"): _source("good")}},
    }
    download = download_folder_flat(tmp_path / "download", participants, blind=True)
    assert sorted(p.name for p in download.iterdir()) == [
        "Participant_2001_assignsubmission_file_cnn.py", "Participant_2002_assignsubmission_file_cnn.py",
        "Participant_2003_assignsubmission_file_solution.py"]
    sheet = tmp_path / "Notes-TP3.csv"
    sheet.write_bytes(worksheet(FRENCH, [{"id": pid} for pid in participants], blind=True, maximum="20,00"))
    out = tmp_path / "out"
    run = run_cnngrade("batch", download, *EXERCISES, "--out", out, "--moodle-worksheet", sheet, "--similarity",
                       "--decimal-comma")
    assert run.code == 1, run.stdout + run.stderr
    assert "(one file per upload, prefixed with the participant)" in run.stdout
    assert "the graded module must be named cnn.py" in run.stdout
    results = {pid: json.loads((out / "results" / f"{pid}.json").read_text()) for pid in participants}
    assert (out / "results" / "2002.json").read_bytes() == alone(tmp_path, {2002: {"cnn.py": _source(
        "correlate2d_flipped_kernel")}})[2002]
    after = (tmp_path / "Notes-TP3-graded.csv").read_bytes()
    old, new = _cells(sheet.read_bytes()), _cells(after)
    grade, feedback = old[0].index("Note"), old[0].index("Feedback par commentaires")
    for old_row, new_row in zip(old[1:], new[1:]):
        changed = {i for i, (a, b) in enumerate(zip(old_row, new_row)) if a != b}
        assert changed == ({grade, feedback} if old_row[0] != "Participant2003" else {feedback}), old_row
    imported = import_worksheet(after, FRENCH)
    for pid in (2001, 2002):
        assert imported[pid][0] == expected_grade(results[pid], Decimal(20)) <= 20
        assert re.fullmatch(r"\d+,\d\d", new[1 + list(participants).index(pid)][grade])
    assert imported[2003][0] is None
    check_feedback_zip(out / "moodle-feedback.zip", participants, blind=True)
    with (out / "similarity.csv").open(newline="") as handle:
        pairs = list(csv.DictReader(handle))
    assert ("2001", "2002") in {(p["student_a"], p["student_b"]) for p in pairs}  # named by participant
    assert {p["student_a"] for p in pairs} | {p["student_b"] for p in pairs} <= {"2001", "2002", "2003"}
    book = _cells((out / "grades.csv").read_bytes())
    assert book[0][:2] == ["Identifiant", "Total"]
    assert [r[1] for r in book[1:]] == [f"{results[p]['score']:g}".replace(".", ",") for p in participants]


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("TP3/cnn.py", _source("good"))
        with archive.open("TP3/data.bin", "w", force_zip64=True) as handle:
            block = bytes(1 << 20)
            for _ in range(300):  # 300 MiB of zeros, more than the 256 MiB unpacked for one student
                handle.write(block)
    return buffer.getvalue()


def _with_link() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("TP3/cnn.py", _source("good"))
        link = zipfile.ZipInfo("TP3/secrets")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _many_files() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(100_000):
            archive.writestr(f"f{i}", b"")
    return buffer.getvalue()


def test_hostile_uploaded_archives_cost_their_student_only(tmp_path):
    participants = {
        3001: {"name": "Good Student", "files": {("/", "cnn.py"): _source("good")}},
        3002: {"name": "Zip Bomb", "files": {("/", "bomb.zip"): _bomb()},
               "reason": "the uploaded archive bomb.zip was not unpacked: the archive bomb.zip unpacks to more than "
                         "256 MiB, the most cnngrade unpacks for one student"},
        3003: {"name": "Dot Dot", "files": {("/", "escape.zip"): _zip({"TP3/cnn.py": _source("good"),
                                                                       "../../../evil.py": "print('out')"})},
               "reason": "the uploaded archive escape.zip was not unpacked: the member '../../../evil.py' points "
                         "outside the archive's folder (..)"},
        3004: {"name": "Sym Link", "files": {("/", "link.zip"): _with_link()},
               "reason": "the uploaded archive link.zip was not unpacked: the member 'TP3/secrets' is a symbolic "
                         "link, which cnngrade does not unpack"},
        3005: {"name": "Many Files", "files": {("/", "many.zip"): _many_files()},
               "reason": "the uploaded archive many.zip was not unpacked: many.zip holds 100000 entries, more than "
                         "the 2000 cnngrade unpacks"},
    }
    download = download_zip(tmp_path / "download.zip", participants)
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "out"
    run = run_cnngrade("batch", download, *EXERCISES, "--out", out, "--jobs", "2")
    assert run.code == 1, run.stdout + run.stderr
    written = {p for p in tmp_path.rglob("*")} - before
    assert written and all(p == out or out in p.parents for p in written), sorted(map(str, written))
    assert not list(tmp_path.rglob("evil.py")) and not (tmp_path.parent / "evil.py").exists()
    assert (out / "results" / "3001.json").read_bytes() == alone(tmp_path, {3001: {"cnn.py": _source("good")}})[3001]
    for pid, p in participants.items():
        if "reason" in p:
            assert f"Nothing graded for {p['name']} (participant {pid}): {p['reason']}." in run.stdout, run.stdout
            result = json.loads((out / "results" / f"{pid}.json").read_text())
            assert result["score"] == 0 and p["reason"] in result["exercises"][0]["checks"][0]["message"]
    assert not (out / "moodle-download" / "staging").exists()  # the unpacked uploads are not kept
    assert sum(1 for _ in (out / "moodle-download").rglob("*")) < 20


def test_mistakes_with_the_download_are_one_line(tmp_path):
    not_moodle = tmp_path / "other.zip"
    not_moodle.write_bytes(_zip({"student1/cnn.py": "x = 1"}))
    run = run_cnngrade("batch", not_moodle, *EXERCISES, "--out", tmp_path / "out")
    assert run.code == 2 and run.stderr.count("\n") == 1, run.stderr
    assert "is not Moodle's \"Download all submissions\"" in run.stderr
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    run = run_cnngrade("batch", broken, *EXERCISES, "--out", tmp_path / "out2")
    assert run.code == 2 and "cannot read the Moodle download" in run.stderr and run.stderr.count("\n") == 1
    download = download_zip(tmp_path / "d.zip", {4001: {"name": "A B", "files": {("/", "cnn.py"): "x = 1"}}})
    (tmp_path / "sheet.csv").write_text("Name,Mark\nada,3\n")
    run = run_cnngrade("batch", download, *EXERCISES, "--out", tmp_path / "out3", "--moodle-worksheet",
                       tmp_path / "sheet.csv")
    assert run.code == 2 and "is not a Moodle grading worksheet" in run.stderr, run.stderr
    assert not (tmp_path / "out3").exists()  # refused before anything was unpacked or graded
    mine = tmp_path / "out4" / "moodle-download"
    mine.mkdir(parents=True)
    (mine / "keep.txt").write_text("the teacher's")
    run = run_cnngrade("batch", download, *EXERCISES, "--out", tmp_path / "out4")
    assert run.code == 2 and "was not made by cnngrade" in run.stderr and (mine / "keep.txt").exists()
