"""The Moodle files cnngrade reads and writes, in-process and fast: a worksheet in a language
cnngrade does not know, one re-saved by a spreadsheet (semicolons, CRLF, Windows-1252), rows it
cannot match, a scale-graded assignment; an archive whose header lies about its size; the
feedback ZIP's names for awkward full names (Moodle's rules are in test_moodle.py)."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from grader.classroom.archive import ArchiveError, Budget, Limits, extract, members, open_archive
from grader.classroom.worksheet import WorksheetError, read_worksheet, summary
from grader.reporters.moodle import feedback_path
from test_moodle import is_valid_filename_for_import


def test_a_worksheet_in_an_unknown_language_gets_its_grades_by_moodles_column_order(tmp_path):
    # Moodle's German strings are not in cnngrade's table: the columns are found by gradingtable.php's order.
    text = ("ID,Vollständiger Name,Status,Bewertung,Bestwertung,Bewertung kann geändert werden,Feedback als Kommentar\n"
            "Teilnehmer/in 11,Anna,Eingereicht,,\"10,00\",Ja,\n"
            "Teilnehmer/in 12,Ben,Eingereicht,\"7,50\",\"10,00\",Ja,\n")
    path = tmp_path / "Bewertungen.csv"
    path.write_bytes(text.encode("utf-8"))
    sheet = read_worksheet(path)
    assert (sheet.language, sheet.grade, sheet.feedback, sheet.separator, sheet.decimals) == (None, 3, None, ",", 2)
    assert sheet.maximum == Decimal(10) and sheet.participants == ["11", "12"]
    filled = sheet.filled({"11": (sheet.grade_text(13, 18), "<p>x</p>")}).decode("utf-8")
    assert filled == text.replace("Teilnehmer/in 11,Anna,Eingereicht,,", "Teilnehmer/in 11,Anna,Eingereicht,\"7,22\",")
    assert any("only the grades were written" in line for line in summary(sheet, ["11"]))


def test_a_resaved_worksheet_keeps_its_bytes_and_unmatched_rows_are_reported(tmp_path):
    lines = ["Identifiant;Nom complet;Statut;Note;Note maximale;Dernière modification (note);Feedback par commentaires",
             "Participant21;Zoë Œuvre;Remis;;20;-;",
             "Someone else;?;Remis;;20;-;",
             'Participant22;"Dupont; Jean";Remis;12;20;-;"déjà ""noté"""']
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    path = tmp_path / "Notes.csv"
    path.write_bytes(data)
    sheet = read_worksheet(path)
    assert (sheet.encoding, sheet.delimiter, sheet.decimals, sheet.language.code) == ("cp1252", ";", 0, "fr")
    assert [r.participant for r in sheet.rows] == ["21", None, "22"]
    filled = sheet.filled({"21": ("15", "<p>Très bien; « 15 »</p>"), "22": (None, "<p>rien</p>")})
    expected = data.replace("Participant21;Zoë Œuvre;Remis;;20;-;".encode("cp1252"),
                            "Participant21;Zoë Œuvre;Remis;15;20;-;\"<p>Très bien; « 15 »</p>\"".encode("cp1252"))
    expected = expected.replace('"déjà ""noté"""'.encode("cp1252"), b'"<p>rien</p>"')
    assert filled == expected
    said = summary(sheet, ["21", "22", "23"], {"23": "Ann Lee"})
    assert "  Row 3 was left as it was: its identifier 'Someone else' names no participant." in said
    assert "  Ann Lee (participant 23) has no row in the worksheet: their grade is not in it." in said


def test_grades_are_scaled_rounded_as_format_float_and_never_above_the_maximum(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("Identifier,Grade,Maximum Grade\nParticipant 1,,7.5\n", encoding="utf-8")
    sheet = read_worksheet(path)
    assert [sheet.grade_text(s, 18) for s in (0, 1, 17.999999, 18)] == ["0.0", "0.4", "7.5", "7.5"]


@pytest.mark.parametrize("text, message", [
    ("Identifier,Grade,Scale\nParticipant 1,,\"Good\nBad\"\n", "graded with a scale"),
    ("Identifier,Grade,Maximum Grade\nParticipant 1,,0.00\n", "no positive maximum grade"),
    ('Identifier,Grade,Maximum Grade\nParticipant 1,"5,10.00\n', "never closed"),
])
def test_worksheets_that_cannot_be_filled_say_why(tmp_path, text, message):
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorksheetError, match=message):
        read_worksheet(path)


def test_an_archive_whose_header_lies_about_its_size_unpacks_no_more_than_it_says(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bin", bytes(4 << 20))
    data = bytearray(buffer.getvalue())
    # The uncompressed size, in the local header (offset 22) and the central directory entry (offset 24).
    central = data.rfind(b"PK\x01\x02")
    data[22:26] = (100).to_bytes(4, "little")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    limits = Limits(members=10, total_bytes=1 << 20)
    target = tmp_path / "unpacked"
    target.mkdir()
    with open_archive(path, limits) as archive:
        (member,) = members(archive, limits)
        with pytest.raises(ArchiveError, match="cannot be unpacked"):
            extract(archive, member, target, member.parts, Budget(limits), "the archive liar.zip")
    assert (target / "big.bin").stat().st_size <= 100


@pytest.mark.parametrize("name", ["Jean_Paul Sartre", "a/b\\c", "..hidden", "~tilde", "", "Zoë 'Œ' <x>"])
def test_feedback_paths_land_on_their_participant_whatever_the_name(name):
    path = feedback_path("4711", name)
    assert is_valid_filename_for_import(path, {4711: "it"}) == ("it", "cnngrade-feedback.html")
    assert is_valid_filename_for_import(path, {4712: "other"}) is None
