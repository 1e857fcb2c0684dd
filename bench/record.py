"""Results files: one per bench section, each run with its machine and versions.

A section file (``bench/results/<section>.json``) holds one or more runs; a
run keeps every round of every row, so that medians and ranges can be
recomputed by anyone, and says where and with what it ran: the date, the
cores, the CPU model, the load average when it started, and the versions of
Python and of every package that takes part in a request. The README's tables
are generated from these files (bench/tables.py), never typed by hand.

Any script can add a section: build rows with ``series`` and call ``write``.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import sys
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# Everything a request goes through, on our side or a peer's; those not
# installed are left out of a run's versions.
PACKAGES = (
    "gym-http-server",
    "gymnasium",
    "numpy",
    "falcon",
    "waitress",
    "granian",
    "orjson",
    "ormsgpack",
    "msgpack",
    "ray",
    "ale-py",
    "pygame",
    "uvicorn",
)


def machine() -> dict:
    """Where a run happens; taken once, when it starts."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "system": platform.platform(terse=True),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions(extra: dict | None = None) -> dict:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {**found, **(extra or {})}


def series(values: list[float], unit: str) -> dict:
    """A row of a run: its value in every round, the median and the range."""
    values = [float(v) for v in values]
    return {
        "unit": unit,
        "rounds": values,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def new_run(rounds: int, started: dict | None = None) -> dict:
    """The header of a run; ``started`` is ``machine()`` taken at its start."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": started or machine(),
        "versions": versions(),
        "rounds": rounds,
    }


def write(
    section: str,
    title: str,
    run: dict,
    rows: dict,
    ratios: dict | None = None,
    notes: str = "",
    directory: Path | str = RESULTS_DIR,
    append: bool = False,
) -> Path:
    """Write one section's run; with ``append`` it joins the runs already there.

    ``rows`` and ``ratios`` map a label to ``series(...)``; their order is the
    order of the table.
    """
    path = Path(directory) / f"{section}.json"
    runs = read(path)["runs"] if append and path.exists() else []
    runs.append({**run, "rows": rows, "ratios": ratios or {}})
    document = {"section": section, "title": title, "notes": notes, "runs": runs}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def read(path: Path | str) -> dict:
    document = json.loads(Path(path).read_text())
    check(document, str(path))
    return document


def check(document: dict, name: str) -> None:
    """Refuse a results file a table could not be honestly built from."""
    problems = []
    runs = document.get("runs") or []
    if not document.get("section") or not document.get("title") or not runs:
        problems.append("needs section, title and at least one run")
    for i, run in enumerate(runs):
        for key in ("date", "machine", "versions", "rounds", "rows"):
            if key not in run:
                problems.append(f"run {i} has no {key}")
        needed = {"cores", "cpu", "load_average_at_start"}
        if "machine" in run and not needed <= run["machine"].keys():
            problems.append(f"run {i}: machine needs cores, cpu and load_average_at_start")
        for label, row in {**run.get("rows", {}), **run.get("ratios", {})}.items():
            values = row.get("rounds") or []
            if (
                not values
                or row.get("median") != statistics.median(values)
                or (row.get("min"), row.get("max")) != (min(values), max(values))
            ):
                problems.append(f"run {i}, {label!r}: median and range must be its rounds'")
    labels = [list(run.get("rows", {})) + list(run.get("ratios", {})) for run in runs]
    if any(other != labels[0] for other in labels):
        problems.append("every run must have the same rows")
    if problems:
        raise ValueError(f"{name}: " + "; ".join(dict.fromkeys(problems)))


def summary(document: dict, kind: str, label: str) -> tuple[float, float, float]:
    """(median, low, high) of one row: over rounds for one run; over several
    runs, the median of the runs' medians and the range of those medians."""
    rows = [run[kind][label] for run in document["runs"]]
    if len(rows) == 1:
        return rows[0]["median"], rows[0]["min"], rows[0]["max"]
    medians = [row["median"] for row in rows]
    return statistics.median(medians), min(medians), max(medians)
