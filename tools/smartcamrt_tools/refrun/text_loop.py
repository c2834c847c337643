"""The reference loop for text models: read a text, tokenise, run, softmax, write, repeat.

Same run folder as the detector's loop (frames.csv, summary.json) with ``predictions.jsonl`` instead of
detections: one line per text, in input order, ``{"index", "label", "label_name", "score", "probs"}``.
A text model is an ONNX file whose manifest says ``"task": "text-classification"``; its tokenizer comes
from the manifest and the vocabulary beside it (:mod:`smartcamrt_tools.text.tokenizer`).

Sources: a ``.txt`` file (one text per line), a ``.tsv`` whose header has a ``sentence`` column (GLUE), or
``-`` for standard input (one text per line, each answered as it arrives). Lines that are empty (or only
whitespace) are not texts: they are skipped, counted in ``summary.json`` (``texts.skipped_empty``) and
take no index. frames.csv: ``frame`` is the text's index, ``input`` its token count, ``pre_ms`` the
tokenisation, ``post_ms`` the softmax; ``detections`` stays empty.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..errors import ToolError
from ..export.manifest import read_manifest
from .resources import ResourceSampler
from .run_folder import FrameRow, FramesCsvWriter, new_run_id, prepare_run_folder, write_summary
from .stop import StopRequest
from .summary import RunTally, build_summary

RUNTIME = "ort-python"
TOOL = "smartcamrt-tools ref-run"
TEXT_TASK = "text-classification"


def is_text_model(model: str | Path) -> bool:
    """Whether ``model``'s manifest says it is a text classifier."""
    path = Path(model).expanduser()
    try:
        manifest = read_manifest(path) if path.is_file() else None
    except (OSError, json.JSONDecodeError):
        return False
    return bool(manifest) and manifest.get("task") == TEXT_TASK


@dataclass
class Text:
    index: int  # 0-based among the source's texts
    text: str


class TextSource:
    """Texts from a .txt/.tsv file or standard input, one at a time, skipping empty lines."""

    def __init__(self, spec: str, stdin: TextIO | None = None) -> None:
        self.spec = spec
        self.skipped_empty = 0
        self._next_index = 0
        if spec == "-":
            self.kind = "stdin"
            self._lines: Iterator[str] = iter((stdin or sys.stdin).readline, "")
            return
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ToolError(f"text source not found: {spec}")
        try:
            content = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ToolError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        if path.suffix.lower() == ".tsv":
            self.kind = "tsv"
            reader = csv.reader(io.StringIO(content), delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader, [])
            if "sentence" not in header:
                raise ToolError(f"{path}: a .tsv source needs a 'sentence' column in its header line")
            column = header.index("sentence")
            self._lines = iter([row[column] if len(row) > column else "" for row in reader])
        else:
            self.kind = "text"
            self._lines = iter(content.splitlines())

    def read(self) -> Text | None:
        for line in self._lines:
            text = line.rstrip("\r\n")
            if not text.strip():
                self.skipped_empty += 1
                continue
            item = Text(self._next_index, text)
            self._next_index += 1
            return item
        return None


class TextModel:
    """The ONNX Runtime session of a text classifier, with its tokenizer and labels."""

    def __init__(self, model: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        from ..text.tokenizer import load_tokenizer

        self.path = Path(model).expanduser()
        manifest = read_manifest(self.path) or {}
        if manifest.get("task") != TEXT_TASK:
            raise ToolError(f"{self.path}: its manifest does not describe a text-classification model")
        if self.path.suffix != ".onnx":
            raise ToolError(f"{self.path}: the Python reference loop runs ONNX text models only")
        self.encode = load_tokenizer(manifest, self.path.parent)
        self.labels = [str(label) for label in manifest.get("labels", [])]
        self.precision = manifest.get("precision", "fp32")
        self.length = (manifest.get("input") or {}).get("length")  # None: dynamic
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ORT raises its own exception types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ToolError(f"{self.path} is not a loadable ONNX model: {first}") from exc
        self.input_names = [i.name for i in self.session.get_inputs()]

    def feeds(self, ids: list[int]) -> dict[str, np.ndarray]:
        from ..text.formats import pad_to

        input_ids, mask = pad_to(ids, self.length)
        named = {"input_ids": input_ids, "attention_mask": mask}
        return {name: named[name] for name in self.input_names}

    def infer(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, feeds)[0][0]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits.astype(np.float64) - float(np.max(logits)))
    return shifted / shifted.sum()


class PredictionsWriter:
    """predictions.jsonl, flushed per line."""

    def __init__(self, path: Path, labels: list[str]) -> None:
        self._file = open(path, "w", encoding="utf-8")
        self._labels = labels

    def write(self, index: int, probs: np.ndarray) -> dict[str, Any]:
        label = int(np.argmax(probs))
        record = {
            "index": index,
            "label": label,
            "label_name": self._labels[label] if label < len(self._labels) else str(label),
            "score": round(float(probs[label]), 6),
            "probs": [round(float(p), 6) for p in probs],
        }
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        return record

    def close(self) -> None:
        self._file.close()


def ms(seconds: float) -> float:
    return seconds * 1000.0


def run_text_reference(options, log: Callable[[str], None] = print, stdin: TextIO | None = None) -> Path:
    """The text loop for :func:`smartcamrt_tools.refrun.run_reference` (same options object)."""
    sampler = ResourceSampler()
    model = TextModel(options.model, options.threads)
    source = TextSource(options.source, stdin)
    if source.kind == "stdin" and log is print:  # stdout carries the answers: keep the rest on stderr
        log = lambda message: print(message, file=sys.stderr)  # noqa: E731
    run_id = new_run_id()
    folder = prepare_run_folder(Path(options.out or Path("runs") / run_id).expanduser().resolve())
    log(f"ref-run {run_id}: {model.path.name} (text), {source.kind} {options.source} -> {folder}")

    model.infer(model.feeds([0, 0]))  # one untimed run: the first allocates and plans

    csv_writer = FramesCsvWriter(folder / "frames.csv")
    predictions = PredictionsWriter(folder / "predictions.jsonl", model.labels)
    tally = RunTally()
    start = time.perf_counter()
    with StopRequest() as stop:
        try:
            while not stop.requested and (options.frames is None or tally.captured < options.frames):
                t_capture = time.perf_counter()
                item = source.read()
                t_available = time.perf_counter()
                if item is None:
                    break
                tally.captured += 1
                t_pre = time.perf_counter()
                ids = model.encode(item.text)
                feeds = model.feeds(ids)
                t_infer = time.perf_counter()
                logits = model.infer(feeds)
                t_post = time.perf_counter()
                probs = softmax(logits)
                t_done = time.perf_counter()
                resources = sampler.sample()
                row = FrameRow(
                    run_id=run_id,
                    stream=0,
                    frame=item.index,
                    ts_ms=ms(t_available - start),
                    model=model.path.name,
                    runtime=RUNTIME,
                    precision=model.precision,
                    input=str(len(ids)),
                    capture_ms=ms(t_available - t_capture),
                    pre_ms=ms(t_infer - t_pre),
                    infer_ms=ms(t_post - t_infer),
                    post_ms=ms(t_done - t_post),
                    e2e_ms=ms(t_done - t_available),
                    queue_ms=ms(t_pre - t_available),
                    dropped=0,
                    detections=None,
                    cpu_proc_pct=resources.cpu_proc_pct,
                    cpu_sys_pct=resources.cpu_sys_pct,
                    rss_mb=resources.rss_mb,
                )
                csv_writer.write(row)
                record = predictions.write(item.index, probs)
                if source.kind == "stdin":  # interactive: answer each line as it arrives
                    print(json.dumps(record), flush=True)
                tally.add(row)
        finally:
            duration = time.perf_counter() - start
            csv_writer.close()
            predictions.close()
            summary = build_summary(
                run_id=run_id,
                tool=TOOL,
                config={
                    "model": str(model.path),
                    "source": options.source,
                    "runtime": RUNTIME,
                    "threads": options.threads,
                    "task": TEXT_TASK,
                    "max_frames": options.frames,
                },
                source={"kind": source.kind, "width": None, "height": None, "fps": None},
                tally=tally,
                duration_s=duration,
                interrupted=stop.requested,
            )
            summary["texts"] = {"processed": tally.processed, "skipped_empty": source.skipped_empty}
            write_summary(folder / "summary.json", summary)
    log(
        f"{tally.processed} texts processed ({source.skipped_empty} empty lines skipped), "
        f"{summary['fps']} per s; "
        f"pre p50 {tally.stats('pre_ms')['p50']} ms, infer p50 {tally.stats('infer_ms')['p50']} ms, "
        f"e2e p50 {tally.stats('e2e_ms')['p50']} ms" + ("; interrupted" if stop.requested else "")
    )
    return folder
