"""JUnit XML, the format CI systems read: one testsuite per exercise, one testcase per check.

A check that did not get all its points is a <failure> whose message is the check's message and
whose text holds the whole explanation (likely cause, counterexample, reproduction, hint); its
type is the check's status (failed, error, timeout, memory, missing). With several submissions
(batch), each submission's exercises are suites named "STUDENT.EXERCISE".
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from grader.i18n import N_, _, speaking
from grader.reporters import Translated
from grader.reporters.common import check_text, xml_text
from grader.reporters.terminal import points
from grader.results import GradeReport

if TYPE_CHECKING:
    from grader.reporters.outputs import ReportContext


def _suite(parent: ET.Element, report: GradeReport, exercise, prefix: str) -> tuple[int, int]:
    name = xml_text(f"{prefix}{exercise.id}")
    failures = sum(1 for c in exercise.checks if not c.passed)
    suite = ET.SubElement(parent, "testsuite", name=name, tests=str(len(exercise.checks)),
                          failures=str(failures), errors="0", skipped="0", time="0")
    properties = ET.SubElement(suite, "properties")
    for key, value in (("submission", report.submission), ("title", exercise.title),
                       ("score", f"{exercise.score:g}"), ("max_score", f"{exercise.max_score:g}")):
        ET.SubElement(properties, "property", name=key, value=xml_text(str(value)))
    for check in exercise.checks:
        case = ET.SubElement(suite, "testcase", name=xml_text(check.name), classname=name, time="0")
        if check.passed:
            continue
        message = check.message.splitlines()[0] if check.message else check.status
        failure = ET.SubElement(case, "failure", type=str(check.status),
                                message=xml_text(_("{message} ({points} points)", message=message,
                                                   points=points(check.score, check.max_score))))
        failure.text = xml_text(check_text(check))
    return len(exercise.checks), failures


def dumps(reports: list[GradeReport]) -> str:
    root = ET.Element("testsuites", name="cnngrade")
    tests = failures = 0
    for report in reports:
        prefix = f"{report.submission}." if len(reports) > 1 else ""
        with speaking(report.lang):  # each student's words in their language
            for exercise in report.exercises:
                t, f = _suite(root, report, exercise, prefix)
                tests, failures = tests + t, failures + f
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class JunitReporter:
    name = "junit"
    help = Translated(N_("Write JUnit XML for CI: a testsuite per exercise, a testcase per check."))
    metavar = "FILE"
    batch_help = Translated(N_("Write JUnit XML for CI: a testsuite per student and exercise, a testcase per check."))

    out_name = "junit.xml"

    def files(self, context: ReportContext, destination: Path) -> dict[Path, str]:
        return {destination: dumps(list(context.reports))}
