"""Each section renders its table from a small result file; a missing one names the command that fills
it; strings from result files are escaped in the HTML and kept in one cell in the Markdown."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from smartcamrt_tools.report.build import ReportOptions, make_report
from smartcamrt_tools.report.sections import ordered_modules

from . import synthetic

SECTION_TABLES = {  # section -> (table id, a value that must be in it)
    "runtimes": ("runtimes-table", "33.28"),
    "models": ("models-table", "0.8991"),
    "compression": ("compression-table", "502,013"),
    "stress": ("stress-table", "0.772"),
    "runs": ("runs-table", "77.2"),
    "deployment": ("deployment-runs", "2152"),
    "machine": ("machine-host", "CPU model"),
}


def report(tmp_path: Path, *dirs: Path) -> tuple[str, str, Path]:
    out = tmp_path / "report"
    html_path, md_path, _ = make_report(ReportOptions(out=out, result_dirs=list(dirs), use_defaults=False))
    return html_path.read_text(), md_path.read_text(), out


def table_html(page: str, table_id: str) -> str:
    match = re.search(rf'<table id="{table_id}">.*?</table>', page, re.S)
    assert match, f"no table {table_id}"
    return match.group(0)


def cell_texts(page: str) -> list[str]:
    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells: list[str] = []
            self.inside = False

        def handle_starttag(self, tag, attrs):
            if tag == "td":
                self.inside = True
                self.cells.append("")

        def handle_endtag(self, tag):
            if tag == "td":
                self.inside = False

        def handle_data(self, data):
            if self.inside:
                self.cells[-1] += data

    parser = Cells()
    parser.feed(page)
    return parser.cells


@pytest.mark.parametrize("section", list(SECTION_TABLES))
def test_each_section_renders_its_table(tmp_path, section):
    page, markdown, out = report(tmp_path, synthetic.everything(tmp_path / "results"))
    table_id, value = SECTION_TABLES[section]
    assert value in table_html(page, table_id)
    assert f'<section id="{section}" data-missing="no">' in page
    assert value in markdown
    for png in re.findall(r"\]\((figures/[^)]+\.png)\)", markdown):
        assert (out / png).is_file()


def test_every_figure_is_embedded_and_names_its_command_and_time(tmp_path):
    page, markdown, out = report(tmp_path, synthetic.everything(tmp_path / "results"))
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id used twice"
    figures = re.findall(r'<figure id="([^"]+)">(.*?)</figure>', page, re.S)
    assert {key for key, _ in figures} >= {
        "runtimes-latency",
        "models-scatter",
        "compression-pareto-ort",
        "compression-pareto-litert",
        "stress-slo",
        "deployment-emulated",
    }
    for key, body in figures:
        assert 'src="data:image/png;base64,' in body, key
        assert "Produced by <code>" in body and "UTC" in body, key
    assert "scripts/bench/models.py --rounds 1" in page  # the command the result file records
    assert "2026-12-05 11:00 UTC (recorded)" in page
    assert len(list((out / "figures").glob("*.png"))) == len(figures)
    # Self-contained: nothing fetched from anywhere.
    assert not re.search(r'(src|href)="(?!data:|#)', page)


def test_a_missing_section_says_so_and_names_its_command(tmp_path):
    results = tmp_path / "results"
    synthetic.runtimes(results)
    page, markdown, _ = report(tmp_path, results)
    modules = {m.KEY: m for m in ordered_modules()}
    for key in ("models", "compression", "stress"):
        section = re.search(rf'<section id="{key}" data-missing="yes">(.*?)</section>', page, re.S)
        assert section, key
        assert html.escape(modules[key].FILL_COMMAND, quote=False) in section.group(1)
        assert "**Missing:**" in markdown and modules[key].FILL_COMMAND in markdown
    assert '<section id="runtimes" data-missing="no">' in page
    # Whether --run can fill it here is said, not promised: nothing in this test's empty cache to run.
    assert "has no step for it here" in page and "has no step for it here" in markdown


def test_strings_from_result_files_are_escaped(tmp_path):
    results = tmp_path / "results"
    synthetic.runtimes(results, model=synthetic.EVIL)
    synthetic.model_comparison(results / "m", name=synthetic.EVIL)
    page, markdown, _ = report(tmp_path, results)
    assert "<script>" not in page and "<img src=x" not in page
    assert synthetic.EVIL in cell_texts(page)  # shown as the text it is
    # Markdown: no HTML passes, and the '|' in the name stays inside its cell (same column count).
    assert "<script>" not in markdown and "<img" not in markdown
    lines = markdown.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("|") and "alert" in line)
    assert "\\|" in lines[index]
    assert len(re.split(r"(?<!\\)\|", lines[index])) == len(re.split(r"(?<!\\)\|", lines[index - 2]))


def test_the_timeline_is_drawn_from_a_real_stress_folder_shape(tmp_path):
    # The synthetic stress.json has no run folders: the section says why there is no timeline.
    results = tmp_path / "results"
    synthetic.stress(results)
    page, _, _ = report(tmp_path, results)
    assert "No timeline" in page
    assert "stress-timeline" not in page


def test_the_profile_the_stress_run_used_is_the_one_shown(tmp_path):
    results = tmp_path / "results"
    used = synthetic.profile(results / "p", "used.json")
    synthetic.profile(results / "q", "newer.json").touch()
    synthetic.stress(results, profile=str(used))
    page, _, _ = report(tmp_path, results)
    assert "Device profile used.json" in page
    assert "shown: the one the stress run used" in page


def test_a_failed_emulated_run_is_named(tmp_path):
    results = tmp_path / "results"
    synthetic.emulated_run(results / "pi-ok")
    synthetic.emulated_run(results / "pi-litert", exit_code=132)
    page, _, _ = report(tmp_path, results)
    assert "Runs that failed under emulation: pi-litert (exit 132)" in page
    assert "cortex-a72 emulated by QEMU on Test CPU 9000" in page  # the machine it records


def test_run_folders_of_other_sections_are_left_to_them(tmp_path):
    page, _, _ = report(tmp_path, synthetic.everything(tmp_path / "results"))
    runs = table_html(page, "runs-table")
    assert "yolov5n-320.onnx" in runs
    assert "inside-stress.onnx" not in runs and "pi-model.onnx" not in runs
    assert "bench-internal.onnx" not in runs
    assert "97 / 3" in runs and "0.930" in runs


def test_the_model_comparison_shows_lengths_settings_and_its_own_figures(tmp_path):
    results = tmp_path / "results"
    path = synthetic.model_comparison(results)
    page, _, out = report(tmp_path, results)
    assert "7.40" in table_html(page, "models-lengths")  # 64 tokens: 1 + 64 / 10
    assert "<th>accuracy (SST-2 dev accuracy (manifest))</th>" in table_html(page, "models-table")
    assert "Left out (not in the model cache): sst2-lstm.tflite." in page
    assert 'id="models-scatter"' in page  # accuracy against latency, text models only
    assert 'id="models-latency"' in page  # drawn here: the benchmark's PNGs are not beside it
    # With the benchmark's own figure beside models.json, that one is embedded instead of ours.
    (out / "figures" / "models-accuracy-latency.png").replace(path.parent / "models-length.png")
    page, _, _ = report(tmp_path, results)
    assert 'id="models-models-length"' in page and 'id="models-latency"' not in page


def test_a_result_of_an_unexpected_shape_costs_its_section_only(tmp_path):
    results = tmp_path / "results"
    synthetic.runtimes(results / "a")
    path = synthetic.stress(results / "s")
    data = json.loads(path.read_text())
    data["modes"][0]["e2e_ms"] = "not a dict"
    path.write_text(json.dumps(data))
    page, _, _ = report(tmp_path, results)
    assert '<section id="runtimes" data-missing="no">' in page
    section = re.search(r'<section id="stress" data-missing="yes">(.*?)</section>', page, re.S)
    assert section and "could not be read (AttributeError" in section.group(1)


def test_text_dev_is_shown_and_a_partial_rerun_does_not_replace_the_comparison(tmp_path):
    results = tmp_path / "results"
    full = synthetic.model_comparison(results / "full")
    partial = synthetic.model_comparison(results / "partial", name="only-this.onnx")
    data = json.loads(partial.read_text())
    data["settings"]["only"] = ["only-this.onnx @ ort"]
    data["created"] = "2026-12-05T12:00:00+00:00"  # newer than the full one
    partial.write_text(json.dumps(data))
    synthetic.text_dev(results / "td")
    page, _, _ = report(tmp_path, results)
    models = table_html(page, "models-table")
    assert "sst2-lstm.onnx" in models and "only-this.onnx" not in models
    assert str(full) in page
    assert "0.8463" in table_html(page, "models-text-dev") and "872 sentences" in page


def test_compression_table_in_both_shapes(tmp_path):
    new = tmp_path / "new"
    synthetic.compression(new)
    page, _, _ = report(tmp_path / "a", new)
    table = table_html(page, "compression-table")
    assert "tflite (QAT)" in table and "<th>litert p50 ms (x fp32)</th>" in table
    assert "<td>4.20 (2.17x)</td>" in table  # p50 and speedup share a cell
    assert "Speedups are against each runtime&#39;s fp32 baseline: ort yolov5n-320.onnx" in page
    assert "Settings: 2 threads, 100 runs, 3 rounds" in page
    assert 'id="compression-pareto-ort"' in page and 'id="compression-pareto-litert"' in page
    assert "scripts/bench/compression.py --baseline a.onnx --rounds 3" in page  # the recorded command
    old = tmp_path / "old"
    synthetic.compression(old, kind=False)
    page, _, _ = report(tmp_path / "b", old)
    assert "502,013" in table_html(page, "compression-table")
    assert "Machine: Test CPU 9000, 2 cores." in page
    assert 'id="compression-pareto-ort"' in page and "compression-pareto-litert" not in page


def test_the_int8_speedup_per_runtime_joins_the_compression_section(tmp_path):
    results = tmp_path / "results"
    synthetic.int8_speedup(results)
    page, _, _ = report(tmp_path, results)
    table = table_html(page, "compression-int8-speedup")
    assert "1.27x (0.90-1.40)" in table  # openvino: 5.68 / 4.46
    assert 'id="compression-int8-speedup-chart"' in page
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_machine_section_lists_each_results_machine(tmp_path):
    page, _, _ = report(tmp_path, synthetic.everything(tmp_path / "results"))
    machines = table_html(page, "machine-results")
    assert "<td>model-comparison</td><td>Test CPU 9000, 2 cores, ISA avx2</td>" in machines
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]*)</td>", machines)
    assert len(rows) == 8
    assert [kind for kind, machine in rows if machine == "not recorded"] == [
        "bundle"
    ]  # only a bundle has none
