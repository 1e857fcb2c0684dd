"""The README's performance tables are those the committed results files give."""

import json
import re
import shutil

import pytest
import record
import tables

REQUIRED_VERSIONS = {"python", "gymnasium", "numpy", "falcon", "waitress", "orjson", "ormsgpack"}


def results_files():
    return sorted(record.RESULTS_DIR.glob("*.json"))


def test_readme_tables_agree_with_the_results_files():
    assert results_files(), "bench/results/ holds no results file"
    assert tables.problems(tables.README.read_text()) == []


def test_a_figure_changed_in_the_readme_is_a_disagreement():
    text = tables.README.read_text()
    region = next(tables.REGION.finditer(text))
    start, end = region.span("body")
    body = text[start:end]
    figure = re.search(r"\| (\d[\d,.]*) \|", body)
    changed = body[: figure.start(1)] + "9" + body[figure.start(1) :]
    problems = tables.problems(text[:start] + changed + text[end:])
    assert len(problems) == 1 and "differ" in problems[0]


def test_a_results_file_no_table_quotes_is_a_disagreement(tmp_path):
    for path in results_files():
        shutil.copy(path, tmp_path)
    shutil.copy(results_files()[0], tmp_path / "unquoted.json")
    problems = tables.problems(tables.README.read_text(), tmp_path)
    assert any("unquoted.json is quoted nowhere" in p for p in problems)


def test_a_table_without_its_results_file_is_a_disagreement(tmp_path):
    problems = tables.problems(tables.README.read_text(), tmp_path)
    assert any("there is no" in p for p in problems)


@pytest.mark.parametrize("path", results_files(), ids=lambda p: p.name)
def test_every_results_file_says_when_where_and_with_what_it_ran(path):
    document = record.read(path)  # refuses medians and ranges that are not the rounds'
    for run in document["runs"]:
        assert run["date"] and run["rounds"] >= 1
        assert run["machine"]["cores"] >= 1 and run["machine"]["cpu"]
        assert len(run["machine"]["load_average_at_start"]) == 3
        assert REQUIRED_VERSIONS <= run["versions"].keys()


def test_a_median_that_is_not_its_rounds_is_refused(tmp_path):
    document = json.loads(results_files()[0].read_text())
    row = next(iter(document["runs"][0]["rows"].values()))
    row["median"] = row["max"] * 2
    with pytest.raises(ValueError, match="median and range"):
        record.check(document, "tampered")


def test_several_runs_give_the_median_of_medians_and_their_range(tmp_path):
    run = record.new_run(3)
    for values in ([10, 11, 30], [20, 21, 22], [5, 40, 41]):
        record.write(
            "demo",
            "Demo",
            run,
            {"row": record.series(values, "calls/s")},
            {"a / b": record.series([v / 10 for v in values], "x")},
            directory=tmp_path,
            append=True,
        )
    document = record.read(tmp_path / "demo.json")
    assert record.summary(document, "rows", "row") == (21, 11, 40)
    table = tables.render(document, "demo.json")
    assert "3 runs of 3 rounds" in table
    assert "| row | 21 | 11–40 | calls/s |" in table
    assert "| a / b | 2.10 | 1.10–4.00 | × |" in table
