"""Bad input: one line on stderr naming the problem, exit code 2, and no figures written."""

from __future__ import annotations

import pytest

from smartcamrt_tools.cli import main

HEADER = (
    "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
    "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event"
)


def run_plot(capsys, *folders, out) -> str:
    code = main(["plot", *map(str, folders), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert lines[0].startswith("smartcamrt-tools plot: ")
    assert captured.out == ""  # no path printed: nothing was written
    assert not out.exists()  # every folder is checked before --out is created
    return lines[0]


def test_missing_folder(capsys, tmp_path):
    line = run_plot(capsys, tmp_path / "nope", out=tmp_path / "out")
    assert "nope" in line and "no such run folder" in line


def test_folder_without_frames_csv(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    assert "no frames.csv" in run_plot(capsys, tmp_path / "empty", out=tmp_path / "out")


@pytest.mark.parametrize(
    "text, expected",
    [
        (HEADER.replace("e2e_ms", "total_ms") + "\n", "header is not the frames.csv contract"),
        ("frame,ts_ms,e2e_ms\n0,0,10\n", "header is not the frames.csv contract"),
        ("", "got 'an empty file'"),
        (HEADER + "\n", "no frames recorded"),
        (
            HEADER + "\n" + "r,0,0,0,m,ort,fp32,640x640,1,2,3,4,ten,0,0,0,,,,,,\n",
            "e2e_ms is not a number: 'ten'",
        ),
        (HEADER + "\n" + "r,0,0,0,m,ort\n", "6 cells, expected 22"),
    ],
    ids=["renamed-column", "other-csv", "empty-file", "header-only", "not-a-number", "short-row"],
)
def test_bad_frames_csv(capsys, tmp_path, text, expected):
    run = tmp_path / "run"
    run.mkdir()
    (run / "frames.csv").write_text(text)
    line = run_plot(capsys, run, out=tmp_path / "out")
    assert expected in line and "frames.csv" in line


def test_broken_summary_json(capsys, make_run, tmp_path):
    run = make_run("run-a")
    (run / "summary.json").write_text('{"run_id": ')
    assert "summary.json: not readable JSON" in run_plot(capsys, run, out=tmp_path / "out")


def test_one_bad_folder_among_good_ones_writes_nothing(capsys, make_run, tmp_path):
    line = run_plot(capsys, make_run("run-a"), tmp_path / "nope", out=tmp_path / "out")
    assert "no such run folder" in line


def test_no_folders_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["plot", "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    assert "RUN_DIR" in capsys.readouterr().err


def test_the_header_copy_matches_the_writer():
    # plot keeps its own copy of the header to avoid importing OpenCV; the writer's list is the contract
    from smartcamrt_tools.plot.run_data import FRAMES_CSV_COLUMNS as read
    from smartcamrt_tools.refrun.run_folder import FRAMES_CSV_COLUMNS as written

    assert read == written == HEADER.split(",")
