"""plot on hand-written run folders: which files, their pixel size, and what the figures hold."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.image import imread

from smartcamrt_tools.cli import main
from smartcamrt_tools.plot import plot_runs
from smartcamrt_tools.plot.canvas import PIXELS
from smartcamrt_tools.plot.compare import compare_latency_figure, compare_summary_figure
from smartcamrt_tools.plot.fps import fps_windows
from smartcamrt_tools.plot.latency import latency_figure
from smartcamrt_tools.plot.resources import resources_figure
from smartcamrt_tools.plot.run_data import load_run

PER_RUN = ("latency", "cdf", "fps", "resources")
RUN_ID = "20261124-101500-ab12"  # make_run's default
SWITCH_EVENT = "switch:ort->litert"  # on row 30 of make_run's frames.csv


def test_figure_size_is_1000_by_600():
    assert PIXELS == (1000, 600)


def test_one_run_writes_four_figures_through_the_cli(make_run, tmp_path, png_size, capsys):
    run = make_run("run-a")
    out = tmp_path / "figures"
    assert main(["plot", str(run), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = [out / f"{RUN_ID}-{name}.png" for name in PER_RUN]
    assert lines == [*map(str, expected), str(out)]  # each path, then the out dir last
    assert sorted(out.iterdir()) == sorted(expected)  # no compare figures for a single run
    for path in expected:
        assert path.stat().st_size > 10_000  # a drawn figure, not an empty canvas
        assert png_size(path) == (1000, 600)


def test_pngs_decode_and_are_not_blank(make_run, tmp_path):
    paths = plot_runs([make_run("run-a")], tmp_path / "out")
    for path in paths:
        pixels = imread(path)
        assert pixels.shape[:2] == (600, 1000)
        assert pixels[..., :3].std() > 0.05  # lines and text, not a flat colour


def test_two_runs_add_the_comparisons(make_run, tmp_path, png_size):
    first = make_run("run-a")
    second = make_run("run-b", run_id="20261124-110000-cd34", slow=1.6, gpu=True)
    out = tmp_path / "out"
    paths = plot_runs([first, second], out)
    names = [p.name for p in paths]
    assert names[-2:] == ["compare-latency.png", "compare-summary.png"]
    assert len(names) == len(set(names)) == 10
    assert {f"20261124-110000-cd34-{n}.png" for n in PER_RUN} <= set(names)
    for path in paths:
        assert png_size(path) == (1000, 600)


def test_the_same_run_twice_does_not_overwrite(make_run, tmp_path):
    run = make_run("run-a")
    paths = plot_runs([run, run], tmp_path / "out")
    assert len({p.name for p in paths}) == len(paths) == 10
    assert f"{RUN_ID}-2-latency.png" in {p.name for p in paths}


def test_run_data_keeps_empty_cells_empty(make_run):
    run = load_run(make_run("run-a"))
    # model: summary.json's path as a file name; runtime: every one frames.csv used, in order
    assert run.label == f"yolov5n.onnx/ort->litert ({RUN_ID})"
    assert len(run.column("ts_ms")) == 50
    assert np.isnan(run.column("gpu_util_pct")).all() and np.isnan(run.column("gpu_mem_mb")).all()
    assert np.isnan(run.column("cpu_proc_pct")[0]) and run.column("cpu_proc_pct")[1] == 154.0
    assert not run.has_values("gpu_util_pct") and run.has_values("e2e_ms")
    # frames.csv and summary.json both report the switch: it is marked once
    assert [event.text for event in run.events] == [SWITCH_EVENT]
    assert run.events[0].ts_ms == run.column("ts_ms")[30]


def test_without_summary_the_csv_names_the_run(make_run):
    run = load_run(make_run("run-a", summary=False))
    assert run.label == f"yolov5n.onnx/ort->litert ({RUN_ID})"  # run id from the rows, not the folder
    assert [event.text for event in run.events] == [SWITCH_EVENT]
    assert run.summary == {}


def test_latency_lines_leave_gaps_and_mark_the_switch(make_run, frame_rows):
    rows = frame_rows(RUN_ID)
    rows[7][12] = ""  # e2e_ms not recorded for this frame
    run = load_run(make_run("gappy", rows=rows))
    ax = latency_figure(run).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert {"capture", "pre", "infer", "post", "e2e", "event"} <= set(lines)
    e2e = np.asarray(lines["e2e"].get_ydata(), dtype=float)
    assert np.isnan(e2e[7]) and np.isfinite(np.delete(e2e, 7)).all()  # a gap, not an invented 0
    assert lines["event"].get_xdata()[0] == pytest.approx(run.column("ts_ms")[30] / 1000)
    assert SWITCH_EVENT in {text.get_text().strip() for text in ax.texts}
    assert ax.get_xlabel() == "time since run start (s)" and ax.get_ylabel() == "latency (ms)"


def test_resources_say_when_there_is_no_gpu(make_run):
    without = resources_figure(load_run(make_run("cpu-only")))
    assert without.axes[2].get_title() == "GPU: no GPU data"
    assert {line.get_label() for line in without.axes[2].get_lines()} == {"event"}  # the switch only
    with_gpu = resources_figure(load_run(make_run("with-gpu", gpu=True)))
    assert with_gpu.axes[2].get_title() == "GPU"
    assert [line.get_label() for line in with_gpu.axes[2].get_lines()] == ["GPU utilisation", "event"]
    twin = with_gpu.axes[3]  # GPU memory on the right-hand axis of the GPU panel
    assert [line.get_label() for line in twin.get_lines()] == ["GPU memory"]
    assert with_gpu.axes[2].get_ylabel() == "GPU util (%)"


def test_fps_counts_completions_per_second(make_run):
    run = load_run(make_run("run-a"))
    edges, fps = fps_windows(run)
    assert edges[0] == 0 and np.diff(edges).tolist() == [1.0] * (len(edges) - 1)
    assert fps.sum() == 50  # every frame completes in exactly one window
    # 10 FPS source with frames 12, 13 and 40 dropped: second 1 and second 4 complete 8 and 9 frames
    assert fps[:5].tolist() == [10, 8, 10, 10, 9]


def test_comparisons_name_each_run(make_run):
    first = load_run(make_run("run-a"))
    second = load_run(make_run("run-b", run_id="20261124-110000-cd34", slow=1.6))
    cdfs = compare_latency_figure([first, second])
    (legend,) = cdfs.legends
    assert [text.get_text() for text in legend.get_texts()] == [first.label, second.label]
    assert [ax.get_xlabel() for ax in cdfs.axes] == ["latency (ms)", "latency (ms)"]
    bars = compare_summary_figure([first, second]).axes[0]
    heights = [patch.get_height() for patch in bars.patches]  # p50 of both runs, then p90, then p99
    assert heights[0] == pytest.approx(np.percentile(first.column("e2e_ms"), 50))
    assert heights[1] > heights[0]  # the slower run's bar is taller
    assert heights[4] < heights[5] and heights[0] < heights[2] < heights[4]
    assert bars.get_ylabel() == "e2e latency (ms)"
