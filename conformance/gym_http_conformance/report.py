"""Reports for people (text) and for CI (JUnit XML)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from .cases import PROFILES
from .runner import FAILED, PASSED, SKIPPED, CaseResult, StepFailure

_RESPONSE_LIMIT = 400
_MARKS = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}


def describe_failure(failure: StepFailure) -> str:
    where = "cleanup" if failure.index < 0 else f"step {failure.index + 1}"
    lines = [f"{where}: {failure.method} {failure.path}"]
    if failure.body is not None:
        lines.append(f"  request body: {_clip(failure.body)}")
    if failure.response is not None:
        lines.append(f"  response: {failure.response.status} {_clip(failure.response.text)}")
    lines += [f"  - {problem}" for problem in failure.problems]
    if failure.clause:
        lines.append(f"  spec: {failure.clause}")
    return "\n".join(lines)


def _clip(text: str) -> str:
    text = " ".join(text.split())  # one line, however the server laid it out
    # a binary (msgpack) answer shown as text: control characters as \xNN, so
    # that the report stays printable and valid XML
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= _RESPONSE_LIMIT else text[:_RESPONSE_LIMIT] + "..."


def write_line(result: CaseResult, out: TextIO) -> None:
    """One line per case as it finishes, with details under a failure."""
    line = f"{_MARKS[result.outcome]} {result.case_id} [{result.profile}]"
    if result.outcome == SKIPPED:
        line += f" ({result.reason})"
    out.write(line + "\n")
    if result.failure:
        out.write(f"     {result.description}\n")
        for text in describe_failure(result.failure).splitlines():
            out.write(f"     {text}\n")
    for warning in result.warnings:
        out.write(f"     warning: {warning}\n")
    out.flush()


def summary(results: list[CaseResult]) -> str:
    counts = Counter(result.outcome for result in results)
    text = (
        f"{counts[PASSED]} passed, {counts[FAILED]} failed, "
        f"{counts[SKIPPED]} skipped ({len(results)} cases)"
    )
    failed = [result.case_id for result in results if result.outcome == FAILED]
    if failed:
        text += "\nfailed: " + ", ".join(failed)
    return text


CONFORMS, DOES_NOT_CONFORM, NOT_IMPLEMENTED, NOT_CHECKED = (
    "conforms",
    "does not conform",
    "not implemented",
    "not checked",
)


@dataclass(frozen=True)
class Verdict:
    profile: str
    passed: int
    failed: int
    skipped: int
    verdict: str


def by_profile(results: list[CaseResult]) -> dict[str, list[CaseResult]]:
    """Results grouped by profile, in the order of PROFILES."""
    groups: dict[str, list[CaseResult]] = {}
    for result in sorted(results, key=lambda r: _profile_rank(r.profile)):
        groups.setdefault(result.profile, []).append(result)
    return groups


def _profile_rank(profile: str) -> int:
    return PROFILES.index(profile) if profile in PROFILES else len(PROFILES)


def verdict_of(members: list[CaseResult]) -> str:
    """conforms: nothing failed and something passed; not implemented: every
    case that ran failed on a missing route (404, 405 or 501); not checked:
    every case was skipped."""
    counts = Counter(result.outcome for result in members)
    if counts[FAILED] == 0:
        return CONFORMS if counts[PASSED] else NOT_CHECKED
    ran = [result for result in members if result.outcome != SKIPPED]
    if all(r.outcome == FAILED and r.failure and r.failure.missing_route for r in ran):
        return NOT_IMPLEMENTED
    return DOES_NOT_CONFORM


def verdicts(results: list[CaseResult]) -> list[Verdict]:
    table = []
    for profile, members in by_profile(results).items():
        counts = Counter(result.outcome for result in members)
        table.append(
            Verdict(profile, counts[PASSED], counts[FAILED], counts[SKIPPED], verdict_of(members))
        )
    return table


def verdict_table(table: list[Verdict]) -> str:
    """The verdict per profile, as a small fixed-width table."""
    rows = [("profile", "passed", "failed", "skipped", "verdict")]
    rows += [(v.profile, str(v.passed), str(v.failed), str(v.skipped), v.verdict) for v in table]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in (1, 2, 3)]
        lines.append("  ".join(cells + [row[4]]))
    return "\n".join(lines)


# What XML 1.0 cannot carry at all, even escaped: control characters other
# than tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text for a report, with what XML cannot carry written as ``\\xNN``
    (a response of raw bytes, such as msgpack, quoted in a failure)."""
    return NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(results: list[CaseResult], base_url: str) -> bytes:
    """One <testsuite> per profile, one <testcase> per case (classname: the topic)."""
    root = ET.Element("testsuites", name="gym-http-conformance")
    for profile, members in by_profile(results).items():
        counts = Counter(result.outcome for result in members)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=profile,
            tests=str(len(members)),
            failures=str(counts[FAILED]),
            skipped=str(counts[SKIPPED]),
            errors="0",
            time=f"{sum(r.seconds for r in members):.3f}",
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="server", value=base_url)
        ET.SubElement(properties, "property", name="verdict", value=verdict_of(members))
        for result in members:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"conformance.{result.topic}",
                name=result.name,
                time=f"{result.seconds:.3f}",
            )
            if result.outcome == FAILED and result.failure:
                problems = result.failure.problems
                message = problems[0] if problems else "failed"
                element = ET.SubElement(case, "failure", message=xml_safe(message))
                element.text = xml_safe(describe_failure(result.failure))
            elif result.outcome == SKIPPED:
                ET.SubElement(case, "skipped", message=xml_safe(result.reason))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
