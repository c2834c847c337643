"""The command: `smartcamrt-tools report` prints the sections' state and the report paths; bad input is one
line and a non-zero exit; --run runs what is missing and the report then holds it."""

from __future__ import annotations

import sys
from pathlib import Path

from smartcamrt_tools.cli import main
from smartcamrt_tools.report import build as report_build
from smartcamrt_tools.report.discover import discover
from smartcamrt_tools.report.run_missing import plan_missing
from smartcamrt_tools.report.sections import Context, Step, ordered_modules, runtimes, stress

from . import synthetic


def test_cli_writes_both_files_and_prints_their_paths(tmp_path, capsys):
    results = synthetic.everything(tmp_path / "results")
    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--no-defaults", str(results)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == str(out / "report.html") and lines[-2] == str(out / "report.md")
    assert any(line.startswith("Runtime comparison: 1 table(s), 1 figure(s)") for line in lines)


def test_cli_names_the_missing_sections_command(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "out"), "--no-defaults"]) == 0
    out = capsys.readouterr().out
    assert f"Runtime comparison: missing: {runtimes.FILL_COMMAND}" in out


def test_a_result_folder_that_does_not_exist_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["report", "--out", str(tmp_path / "out"), str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"smartcamrt-tools report: {tmp_path / 'nope'}: no such result folder or file"


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["report", "--out", str(tmp_path / "file"), "--no-defaults"]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_run_fills_a_missing_section_with_its_command(tmp_path, monkeypatch, capsys):
    # The real step is a benchmark; here a stand-in writes the same file the benchmark would.
    writer = (
        "import sys, pathlib; sys.path.insert(0, sys.argv[2]); from tests.report import synthetic; "
        "synthetic.runtimes(pathlib.Path(sys.argv[1]))"
    )
    tools = Path(__file__).resolve().parents[2]

    def fake_plan(context, out):
        return [
            Step(
                "stand-in",
                [sys.executable, "-c", writer, str(out / "bench-runtimes"), str(tools)],
                out / "bench-runtimes",
            )
        ]

    for (
        module
    ) in ordered_modules():  # nothing real runs: a bundle or a model on this machine is no input here
        monkeypatch.setattr(module, "plan", lambda context, out: [])
    monkeypatch.setattr(runtimes, "plan", fake_plan)
    out = tmp_path / "out"
    html_path, _, sections = report_build.make_report(
        report_build.ReportOptions(out=out, use_defaults=False, run_missing=True)
    )
    by_key = {s.key: s for s in sections}
    assert not by_key["runtimes"].is_missing
    assert 'id="runtimes-table"' in html_path.read_text()
    err = capsys.readouterr().err
    assert "[report] [1/1] stand-in" in err and "done in" in err
    assert str(out / "results") in html_path.read_text()  # the folder it ran into is among those read
    # The figures name the exact command --run ran (recorded beside its output), not the generic one.
    assert f"Produced by <code>{sys.executable} -c import sys" in html_path.read_text()


def test_run_plans_cheap_settings_where_the_inputs_exist(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "yolov5n-640.onnx").write_bytes(b"x")
    assets = tmp_path / "assets"
    (assets / "video").mkdir(parents=True)
    (assets / "video" / "vtest.avi").write_bytes(b"x")
    monkeypatch.setenv("SMARTCAMRT_ASSETS", str(assets))
    context = Context(discover([]), tmp_path / "fig", report_build.REPO, home)
    sections = [m.build(context) for m in (stress,)]
    steps, cannot = plan_missing(sections, context, tmp_path / "results")
    assert not cannot
    assert steps[0].argv[1:3] == ["stress", "--model"]
    assert steps[0].argv[steps[0].argv.index("--duration") + 1] == str(stress.CHEAP_DURATION_S)
    (home / "models" / "yolov5n-640.onnx.json").write_text("{}")
    context = Context(discover([]), tmp_path / "fig", report_build.REPO, home)
    step = runtimes.plan(context, tmp_path / "results")[0]
    assert step.argv[2:4] == ["smartcamrt_tools", "bench-runtimes"]
    assert str(home / "models" / "yolov5n-640.onnx") in step.argv
    assert step.argv[step.argv.index("--runs") + 1] == "20"
    # --full: the commands' own settings.
    full = Context(discover([]), tmp_path / "fig", report_build.REPO, home, full=True)
    argv = stress.plan(full, tmp_path / "results")[0].argv
    assert argv[argv.index("--duration") + 1] == "60"
    argv = runtimes.plan(full, tmp_path / "results")[0].argv
    assert argv[argv.index("--rounds") + 1] == "3"
    # Without the model there is nothing cheap to run: the section is reported as not runnable.
    (home / "models" / "yolov5n-640.onnx").unlink()
    steps, cannot = plan_missing(sections, context, tmp_path / "results")
    assert not steps and [s.key for s in cannot] == ["stress"]


def test_full_without_run_is_refused(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "out"), "--full"]) == 2
    assert capsys.readouterr().err.strip() == (
        "smartcamrt-tools report: --full: only with --run (it sets how the missing results are measured)"
    )
