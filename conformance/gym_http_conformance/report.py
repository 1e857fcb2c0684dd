"""Reports for people (text) and for CI (JUnit XML)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from typing import TextIO

from .runner import FAILED, PASSED, SKIPPED, CaseResult, StepFailure

_RESPONSE_LIMIT = 1000
_MARKS = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}


def describe_failure(failure: StepFailure) -> str:
    where = "cleanup" if failure.index < 0 else f"step {failure.index + 1}"
    lines = [f"{where}: {failure.method} {failure.path}"]
    if failure.body is not None:
        lines.append(f"  request body: {_clip(failure.body)}")
    if failure.response is not None:
        lines.append(f"  response: {failure.response.status} {_clip(failure.response.text)}")
    lines += [f"  - {problem}" for problem in failure.problems]
    return "\n".join(lines)


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _RESPONSE_LIMIT else text[:_RESPONSE_LIMIT] + "..."


def write_line(result: CaseResult, out: TextIO) -> None:
    """One line per case as it finishes, with details under a failure."""
    line = f"{_MARKS[result.outcome]} {result.case_id}"
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
    text = (f"{counts[PASSED]} passed, {counts[FAILED]} failed, "
            f"{counts[SKIPPED]} skipped ({len(results)} cases)")
    failed = [result.case_id for result in results if result.outcome == FAILED]
    if failed:
        text += "\nfailed: " + ", ".join(failed)
    return text


def junit_xml(results: list[CaseResult], base_url: str) -> bytes:
    """One <testsuite> per topic, one <testcase> per case."""
    root = ET.Element("testsuites", name="gym-http-conformance")
    topics: dict[str, list[CaseResult]] = {}
    for result in results:
        topics.setdefault(result.topic, []).append(result)
    for topic, members in topics.items():
        counts = Counter(result.outcome for result in members)
        suite = ET.SubElement(
            root, "testsuite", name=topic, tests=str(len(members)),
            failures=str(counts[FAILED]), skipped=str(counts[SKIPPED]), errors="0",
            time=f"{sum(r.seconds for r in members):.3f}",
        )
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="server", value=base_url)
        for result in members:
            case = ET.SubElement(suite, "testcase", classname=f"conformance.{topic}",
                                 name=result.name, time=f"{result.seconds:.3f}")
            if result.outcome == FAILED and result.failure:
                problems = result.failure.problems
                message = problems[0] if problems else "failed"
                element = ET.SubElement(case, "failure", message=message)
                element.text = describe_failure(result.failure)
            elif result.outcome == SKIPPED:
                ET.SubElement(case, "skipped", message=result.reason)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
