"""benchmarks/_results.py records and benchmarks/report.py: tables, SVG charts, exit status."""

from __future__ import annotations

import importlib.util
import json
import operator
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    """A benchmarks/ module under a unique name (benchmarks/ is scripts, not a package)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the scripts import their siblings by plain name
    spec = importlib.util.spec_from_file_location(f"bench_{name.strip('_')}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


results_mod = _load("_results")
report = _load("report")
_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


def _svg_text(path: Path) -> str:
    """Every text node of an SVG (labels are kept as text: ``svg.fonttype`` none)."""
    return "\n".join(ET.parse(path).getroot().itertext())


def _record(tmp_path: Path, name: str, *, shim_ratio: float = 1.2, write: bool = True) -> Path:
    results = results_mod.Results(name, f"{name} title", settings={"n": 3})
    results.add("compute_actions, batch 1", {"shim": 120.0 * shim_ratio / 1.2, "raw torch floor": 100.0,
                "Ray 2.10": 400.0}, unit="us", group="policy calls", label="B=1",
                ratio=shim_ratio, ratio_of="shim / floor", target=("<=", 1.5))
    results.add("compute_actions, batch 32", {"shim": 300.0, "raw torch floor": 250.0}, unit="us",
                group="policy calls", label="B=32", ratio=1.2, ratio_of="shim / floor")
    results.add("verify command", {"time": 900.0}, unit="ms", group="cli", ratio=None)
    results.note("a note for the reader")
    path = tmp_path / "results" / f"{name}.json"
    if write:
        results.write(path)
    return path


@given(ratio=st.floats(0.01, 100), bound=st.floats(0.01, 100), op=st.sampled_from(sorted(_OPS)))
def test_measure_met_follows_its_target(ratio, bound, op):
    results = results_mod.Results("b", "t")
    measure = results.add("m", {"ours": ratio}, unit="x", group="g", ratio=ratio, target=(op, bound))
    assert measure["met"] is _OPS[op](ratio, bound)
    assert results.exit_code() == (0 if measure["met"] else 1)
    assert results.missed() == ([] if measure["met"] else ["m"])
    assert results.record()["targets_met"] is measure["met"]


def test_untargeted_measure_never_fails_and_bad_targets_are_refused():
    results = results_mod.Results("b", "t")
    assert results.add("m", {"ours": 9.0}, unit="us", group="g")["met"] is None
    assert results.exit_code() == 0
    with pytest.raises(ValueError, match="measure 'n'.*'=='"):
        results.add("n", {"ours": 1.0}, unit="x", group="g", ratio=1.0, target=("==", 1.0))
    with pytest.raises(ValueError, match="needs an op .* and a ratio"):
        results.add("o", {"ours": 1.0}, unit="x", group="g", target=("<=", 1.0))


def test_record_names_machine_load_date_and_versions(tmp_path):
    path = _record(tmp_path, "shim_overhead")
    record = json.loads(path.read_text())
    machine = record["machine"]
    assert machine["cpu_count"] >= 1 and machine["cpu_model"]
    assert len(machine["load_average"]["before"]) == 3 and len(machine["load_average"]["after"]) == 3
    assert record["date"].endswith("+00:00")
    assert record["versions"]["python"].count(".") == 2 and "torch" in record["versions"]
    assert record["format_version"] == results_mod.FORMAT_VERSION
    assert report.load_records(path.parent) == [record]


def test_report_writes_tables_charts_and_the_docs_page(tmp_path, capsys):
    _record(tmp_path, "shim_overhead")
    _record(tmp_path, "forward_overhead")
    out, docs, charts = tmp_path / "RESULTS.md", tmp_path / "docs" / "benchmarks.md", tmp_path / "docs" / "svg"
    status = report.main(["--results", str(tmp_path / "results"), "--out", str(out),
                          "--docs-page", str(docs), "--charts", str(charts)])
    assert status == 0 and "all targets met" in capsys.readouterr().out
    page = out.read_text()
    # one row per measure, every contender's figure, the ratio, the target and the verdict
    assert "| compute_actions, batch 1 | 120 | 100 | 400 | 1.200 | <= 1.5 | yes |" in page
    assert "| shim (us) | raw torch floor (us) | Ray 2.10 (us) | ratio | target | met |" in page
    assert "| compute_actions, batch 32 | 300 | 250 | - | 1.200 | - | - |" in page
    assert "> a note for the reader" in page and "Missed targets: none." in page
    assert page.index("## forward_overhead") < page.index("## shim_overhead")
    svgs = sorted(p.name for p in charts.glob("*.svg"))
    assert svgs == ["forward_overhead-cli.svg", "forward_overhead-policy-calls.svg",
                    "shim_overhead-cli.svg", "shim_overhead-policy-calls.svg"]
    for svg in charts.glob("*.svg"):
        assert ET.parse(svg).getroot().tag.endswith("svg")
    # each page links the charts relative to itself
    assert "](docs/svg/shim_overhead-policy-calls.svg)" in page
    assert "](svg/shim_overhead-policy-calls.svg)" in docs.read_text()
    chart = _svg_text(charts / "shim_overhead-policy-calls.svg")
    assert "Ray 2.10" in chart and "raw torch floor" in chart and "1.20 (target <= 1.5, met)" in chart


def test_a_missed_target_makes_the_report_exit_1_and_name_it(tmp_path, capsys):
    _record(tmp_path, "shim_overhead", shim_ratio=2.0)
    _record(tmp_path, "forward_overhead")
    status = report.main(["--results", str(tmp_path / "results"), "--out", str(tmp_path / "R.md"),
                          "--docs-page", "-", "--charts", str(tmp_path / "svg")])
    assert status == 1
    assert "TARGETS MISSED: shim_overhead: compute_actions, batch 1" in capsys.readouterr().out
    page = (tmp_path / "R.md").read_text()
    assert "| 2.000 | <= 1.5 | **NO** |" in page
    assert "Missed targets: shim_overhead: compute_actions, batch 1." in page
    assert "2.00 (target <= 1.5, MISSED)" in _svg_text(tmp_path / "svg" / "shim_overhead-policy-calls.svg")


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not JSON"),
    (json.dumps({"benchmark": "x"}), "missing title, date, machine, versions, measures"),
    (json.dumps({"benchmark": "x", "title": "", "date": "", "machine": {}, "versions": {},
                 "measures": [], "format_version": 99}), "format_version 99"),
])
def test_unreadable_records_exit_2_naming_the_file(tmp_path, capsys, content, problem):
    (tmp_path / "bad.json").write_text(content)
    assert report.main(["--results", str(tmp_path), "--out", str(tmp_path / "R.md"), "--docs-page", "-"]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and problem in err
    assert not (tmp_path / "R.md").exists()


def test_no_records_is_an_error(tmp_path, capsys):
    assert report.main(["--results", str(tmp_path), "--out", str(tmp_path / "R.md"), "--docs-page", "-"]) == 2
    assert "run the benchmarks first" in capsys.readouterr().err


def test_charts_are_byte_stable_and_refuse_mixed_units(tmp_path):
    charts = _load("_charts")
    measures = json.loads(_record(tmp_path, "b").read_text())["measures"]
    first = charts.bar_chart(measures[:2], "t", tmp_path / "a.svg").read_bytes()
    assert charts.bar_chart(measures[:2], "t", tmp_path / "b.svg").read_bytes() == first
    with pytest.raises(ValueError, match=r"share a unit, got \['ms', 'us'\]"):
        charts.bar_chart(measures, "t", tmp_path / "c.svg")
    with pytest.raises(ValueError, match="no measures"):
        charts.bar_chart([], "t", tmp_path / "d.svg")


def test_committed_results_page_matches_the_committed_records():
    """RESULTS.md and docs/benchmarks.md are what report.py makes of benchmarks/results/*.json."""
    records = report.load_records(BENCH / "results")
    assert {r["benchmark"] for r in records} >= {
        "codemod_throughput", "default_modules", "forward_overhead", "shim_overhead", "verify_overhead"}
    assert (BENCH / "RESULTS.md").read_text() == report.render(records, "../docs/assets/benchmarks/")
    docs = BENCH.parent / "docs"
    assert (docs / "benchmarks.md").read_text() == report.render(records, "assets/benchmarks/")
    for r in records:
        for group in report.groups(r):
            assert (docs / "assets" / "benchmarks" / report.chart_name(r, group)).is_file()


def test_a_load_above_the_core_count_is_flagged(tmp_path):
    record = json.loads(_record(tmp_path, "b").read_text())
    cores = record["machine"]["cpu_count"]
    record["machine"]["load_average"] = {"before": [cores + 0.5, 1.0, 1.0], "after": [0.5, 1.0, 1.0]}
    assert report.overloaded(record)
    assert "figures disturbed" in report.render([record], "svg/")
    record["machine"]["load_average"] = {"before": [cores - 0.5, 1.0, 1.0], "after": [cores, 1.0, 1.0]}
    assert not report.overloaded(record)
    assert "figures disturbed" not in report.render([record], "svg/")
