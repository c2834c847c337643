"""The reference loop for text models: read a text, tokenise, run, softmax, write, repeat.

Same run folder as the detector's loop (frames.csv, summary.json) with ``predictions.jsonl`` instead of
detections: one line per text, in input order, ``{"index", "label", "label_name", "score", "probs"}``.
A text model is an ONNX file whose manifest says ``"task": "text-classification"``; its tokenizer comes
from the manifest and the vocabulary beside it (:mod:`smartcamrt_tools.text.tokenizer`).

Sources and numbering as the engine's (docs/text.md): a ``.txt`` file (one text per line), a ``.tsv``
whose header has a ``sentence`` column (GLUE), or ``-`` for standard input (each line answered as it
arrives). Blank lines are skipped; a line that is not UTF-8 is skipped with one line on stderr; ``index``
is the text's position in the source (skipped lines leave gaps), counted in ``summary.json``
(``texts``). predictions.jsonl adds ``tokens`` (the length fed to the model) and ``"truncated": true``
for a text cut to ``max_length``. frames.csv: ``frame`` is the index, ``input`` ``seq<L>``, ``pre_ms``
the tokenisation, ``post_ms`` the softmax, ``detections`` 1.
"""

from __future__ import annotations

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
from .sources import IMAGE_SUFFIXES
from .stop import StopRequest
from .summary import RunTally, build_summary

RUNTIME = "ort-python"
TOOL = "smartcamrt-tools ref-run"
TEXT_TASK = "text-classification"
VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v"}


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
    index: int  # 0-based position in the source: line of a .txt/stdin, data row of a .tsv
    text: str


class TextSource:
    """Texts from a .txt/.tsv file or standard input, one at a time, as the engine reads them
    (docs/text.md): lines end at ``\n`` (a ``\r`` before it and a UTF-8 BOM at the start are dropped);
    blank lines are skipped silently, a line that is not UTF-8 (or a .tsv row without a ``sentence``
    field) is skipped with one line on stderr; ``index`` is the position in the source, so skipped lines
    leave gaps."""

    def __init__(
        self, spec: str, stdin: TextIO | None = None, warn: Callable[[str], None] | None = None
    ) -> None:
        self.spec = spec
        self.skipped_empty = 0
        self.skipped_invalid = 0
        self._warn = warn or (lambda message: print(message, file=sys.stderr))
        self._column: int | None = None
        if spec == "-":
            self.kind = "stdin"
            stream = stdin if stdin is not None else sys.stdin
            binary = getattr(stream, "buffer", None)
            self._lines: Iterator[bytes | str] = (
                iter(binary.readline, b"") if binary else iter(stream.readline, "")
            )
            return
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ToolError(f"text source not found: {spec}")
        if path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
            raise ToolError(
                f"--source '{spec}': a text model takes texts (.txt, .tsv or -), not images or video"
            )
        self.kind = "tsv" if path.suffix.lower() == ".tsv" else "text"
        lines = path.read_bytes().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        if self.kind == "tsv":
            header = _decode(lines[0] if lines else b"")
            columns = header.split("\t") if header is not None else []
            if "sentence" not in columns:
                raise ToolError(f"{path}: a .tsv source needs a 'sentence' column in its header line")
            self._column = columns.index("sentence")
            lines = lines[1:]
        self._lines = iter(lines)
        self._position = 0

    def read(self) -> Text | None:
        for raw in self._lines:
            index = getattr(self, "_position", 0)
            self._position = index + 1
            text = _decode(raw) if isinstance(raw, bytes) else raw.rstrip("\n").rstrip("\r")
            if text is None:
                self.skipped_invalid += 1
                self._warn(f"source '{self.spec}': text {index} is not valid UTF-8; skipped")
                continue
            if self._column is not None:
                fields = text.split("\t")
                if len(fields) <= self._column:
                    self.skipped_invalid += 1
                    self._warn(f"source '{self.spec}': text {index} has no 'sentence' field; skipped")
                    continue
                text = fields[self._column]
            if not text.strip():
                self.skipped_empty += 1
                continue
            return Text(index, text)
        return None


def _decode(raw: bytes) -> str | None:
    """One line's bytes as text: ``\r\n`` ending and a BOM dropped; None when it is not UTF-8."""
    raw = raw.rstrip(b"\n")
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


class TextModel:
    """The ONNX Runtime session of a text classifier, with its tokenizer and labels."""

    def __init__(self, model: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        from ..text.tokenizer import load_tokenizer_with_truncation

        self.path = Path(model).expanduser()
        manifest = read_manifest(self.path) or {}
        if manifest.get("task") != TEXT_TASK:
            raise ToolError(f"{self.path}: its manifest does not describe a text-classification model")
        if self.path.suffix != ".onnx":
            raise ToolError(f"{self.path}: the Python reference loop runs ONNX text models only")
        self.encode = load_tokenizer_with_truncation(manifest, self.path.parent)
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

    def write(self, index: int, probs: np.ndarray, tokens: int, truncated: bool) -> dict[str, Any]:
        label = int(np.argmax(probs))
        record: dict[str, Any] = {
            "index": index,
            "label": label,
            "label_name": self._labels[label] if label < len(self._labels) else str(label),
            "score": round(float(probs[label]), 6),
            "probs": [round(float(p), 6) for p in probs],
            "tokens": tokens,
        }
        if truncated:
            record["truncated"] = True
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
                ids, truncated = model.encode(item.text)
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
                    input=f"seq{model.length or len(ids)}",
                    capture_ms=ms(t_available - t_capture),
                    pre_ms=ms(t_infer - t_pre),
                    infer_ms=ms(t_post - t_infer),
                    post_ms=ms(t_done - t_post),
                    e2e_ms=ms(t_done - t_available),
                    queue_ms=ms(t_pre - t_available),
                    dropped=0,
                    detections=1,
                    cpu_proc_pct=resources.cpu_proc_pct,
                    cpu_sys_pct=resources.cpu_sys_pct,
                    rss_mb=resources.rss_mb,
                )
                csv_writer.write(row)
                record = predictions.write(item.index, probs, model.length or len(ids), truncated)
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
            summary["texts"] = {
                "processed": tally.processed,
                "skipped_empty": source.skipped_empty,
                "skipped_invalid": source.skipped_invalid,
            }
            write_summary(folder / "summary.json", summary)
    log(
        f"{tally.processed} texts processed ({source.skipped_empty} empty lines skipped), "
        f"{summary['fps']} per s; "
        f"pre p50 {tally.stats('pre_ms')['p50']} ms, infer p50 {tally.stats('infer_ms')['p50']} ms, "
        f"e2e p50 {tally.stats('e2e_ms')['p50']} ms" + ("; interrupted" if stop.requested else "")
    )
    return folder
