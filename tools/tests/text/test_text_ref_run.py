"""ref-run with a text model: the same run folder as the detector's, predictions.jsonl instead of
detections; .txt, .tsv and stdin sources; bad input gives one clear line."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil

import numpy as np
import pytest

from smartcamrt_tools.cli import main
from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.refrun import RefRunOptions
from smartcamrt_tools.refrun.text_loop import TextSource, is_text_model, run_text_reference

HEADER = (
    "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
    "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event"
)


def _run(args):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(args)
    return code, stdout.getvalue().splitlines()


def test_txt_source_run_folder(tiny_text_model, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("a charming journey .\n\nbleak and desperate\n   \n" + "word " * 10000 + "\ngood\n")
    out = tmp_path / "run"
    code, lines = _run(
        ["ref-run", "--model", str(tiny_text_model), "--source", str(texts), "--out", str(out)]
    )
    assert code == 0 and lines[-1] == str(out)
    rows = list(csv.DictReader((out / "frames.csv").read_text().splitlines()))
    assert (out / "frames.csv").read_text().splitlines()[0] == HEADER
    assert [int(r["frame"]) for r in rows] == [0, 2, 4, 5]  # positions in the source: blank lines leave gaps
    assert [r["input"] for r in rows] == ["seq4", "seq3", "seq128", "seq1"]  # the long text is truncated
    for row in rows:
        assert row["runtime"] == "ort-python" and row["precision"] == "fp32" and row["detections"] == "1"
        assert float(row["infer_ms"]) > 0 and float(row["e2e_ms"]) >= float(row["infer_ms"])
    predictions = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [p["index"] for p in predictions] == [0, 2, 4, 5]
    assert [p["tokens"] for p in predictions] == [4, 3, 128, 1]
    assert [p.get("truncated", False) for p in predictions] == [False, False, True, False]
    for p in predictions:
        assert {"index", "label", "label_name", "score", "probs", "tokens"} <= set(p)
        assert p["label_name"] == ["negative", "positive"][p["label"]]
        assert abs(sum(p["probs"]) - 1) < 1e-5 and p["score"] == max(p["probs"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"]["processed"] == 4 and summary["texts"]["skipped_empty"] == 2
    assert summary["config"]["task"] == "text-classification"


def test_invalid_utf8_line_is_skipped_with_one_line(tiny_text_model, tmp_path, capsys):
    texts = tmp_path / "mixed.txt"
    texts.write_bytes(b"\xef\xbb\xbfgood\r\ncaf\xe9\nbleak\n")
    out = tmp_path / "run"
    code, _ = _run(["ref-run", "--model", str(tiny_text_model), "--source", str(texts), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0 and "text 1 is not valid UTF-8; skipped" in err
    predictions = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [p["index"] for p in predictions] == [0, 2] and predictions[0]["tokens"] == 1  # BOM, \r dropped
    assert json.loads((out / "summary.json").read_text())["texts"]["skipped_invalid"] == 1


def test_predictions_match_the_model(tiny_text_model, tmp_path):
    import onnxruntime as ort

    from smartcamrt_tools.text.words import WordVocab

    texts = tmp_path / "t.tsv"
    texts.write_text("sentence\tlabel\nit 's slow -- very , very slow .\t0\ngood\t1\n")
    out = run_text_reference(
        RefRunOptions(model=str(tiny_text_model), source=str(texts), out=str(tmp_path / "r")),
        log=lambda _: None,
    )
    vocab = WordVocab.read(tiny_text_model.parent / "tiny.vocab.txt")
    session = ort.InferenceSession(str(tiny_text_model))
    for line, text in zip(
        (out / "predictions.jsonl").read_text().splitlines(),
        ["it 's slow -- very , very slow .", "good"],
        strict=True,
    ):
        ids = np.array([vocab.encode(text, 128)], dtype=np.int64)
        logits = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        assert np.allclose(json.loads(line)["probs"], probs, atol=1e-5)


def test_stdin_answers_each_line(tiny_text_model, tmp_path):
    options = RefRunOptions(model=str(tiny_text_model), source="-", out=str(tmp_path / "s"))
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        run_text_reference(options, stdin=io.StringIO("good\n\nbleak\n"))
    answers = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [a["index"] for a in answers] == [0, 2]


def test_frames_limit(tiny_text_model, tmp_path):
    texts = tmp_path / "t.txt"
    texts.write_text("a\nb\nc\n")
    code, _ = _run(
        [
            "ref-run",
            "--model",
            str(tiny_text_model),
            "--source",
            str(texts),
            "--frames",
            "2",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert code == 0
    assert len((tmp_path / "r" / "predictions.jsonl").read_text().splitlines()) == 2


def test_bad_inputs_are_one_line(tiny_text_model, tmp_path, capsys):
    no_column = tmp_path / "x.tsv"
    no_column.write_text("text\tlabel\nhello\t1\n")
    code, _ = _run(
        ["ref-run", "--model", str(tiny_text_model), "--source", str(no_column), "--out", str(tmp_path / "b")]
    )
    assert code == 2 and "'sentence' column" in capsys.readouterr().err

    texts = tmp_path / "t.txt"
    texts.write_text("good\n")
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    shutil.copy(tiny_text_model, lonely)
    shutil.copy(tiny_text_model.with_name(tiny_text_model.name + ".json"), lonely)
    model = str(lonely / tiny_text_model.name)
    code, _ = _run(["ref-run", "--model", model, "--source", str(texts), "--out", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and "vocabulary is missing" in err and len(err.strip().splitlines()) == 1


def test_image_given_to_a_text_model(tiny_text_model, tmp_path, assets):
    with pytest.raises(ToolError, match="not images or video"):
        TextSource(str(assets / "images" / "bus.jpg"))


def test_is_text_model(tiny_text_model, tmp_path):
    assert is_text_model(tiny_text_model)
    assert not is_text_model(tmp_path / "missing.onnx")
