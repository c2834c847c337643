"""The reference loop itself: read a frame, letterbox, run, decode + NMS, write, repeat."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..vision.letterbox import preprocess
from ..vision.yolo_postprocess import postprocess
from .detector import OrtDetector, open_detector
from .resources import ResourceSampler
from .run_folder import (
    AnnotatedSink,
    DetectionsWriter,
    FrameRow,
    FramesCsvWriter,
    new_run_id,
    prepare_run_folder,
    write_summary,
)
from .sources import open_source
from .stop import StopRequest
from .summary import RunTally, build_summary
from .text_loop import is_text_model, run_text_reference

RUNTIME = "ort-python"
TOOL = "smartcamrt-tools ref-run"


@dataclass
class RefRunOptions:
    model: str
    source: str
    frames: int | None = None  # stop after this many source frames (processed + dropped)
    out: str | None = None  # run folder; default runs/<run_id>
    realtime: bool = False  # pace at the source's frame rate, dropping frames when behind
    threads: int | None = None  # ORT intra-op threads; None = ORT's default
    conf: float = 0.25
    iou: float = 0.45
    annotate: bool = True
    imgsz: tuple[int, int] = (640, 640)  # only for models with a dynamic input size


def ms(seconds: float) -> float:
    return seconds * 1000.0


def run_reference(options: RefRunOptions, log: Callable[[str], None] = print) -> Path:
    """Run the loop; returns the run folder (frames.csv, detections.jsonl, summary.json, annotated).
    A text model (manifest task ``text-classification``) runs the text loop instead (:mod:`.text_loop`)."""
    if is_text_model(options.model):
        return run_text_reference(options, log)
    sampler = ResourceSampler()
    detector = open_detector(options.model, options.threads, options.imgsz)
    source = open_source(options.source)
    run_id = new_run_id()
    folder = prepare_run_folder(Path(options.out or Path("runs") / run_id).expanduser().resolve())
    input_label = f"{detector.input_hw[1]}x{detector.input_hw[0]}"  # WxH, as frames.csv says
    log(f"ref-run {run_id}: {detector.path.name} ({input_label}), {source.kind} {options.source} -> {folder}")

    # One inference before timing starts: the first run allocates and plans, and is not a frame cost.
    detector.infer(np.zeros((1, 3, *detector.input_hw), dtype=np.float32))

    csv_writer = FramesCsvWriter(folder / "frames.csv")
    det_writer = DetectionsWriter(folder / "detections.jsonl", detector.labels)
    annotated = AnnotatedSink(folder, source.kind, source.fps, detector.labels) if options.annotate else None
    tally = RunTally()
    # Pacing applies to files with a frame rate; a camera delivers at its own pace already.
    period = 1.0 / source.fps if options.realtime and source.fps and source.kind == "video" else None

    start = time.perf_counter()
    with StopRequest() as stop:
        try:
            while not stop.requested and (options.frames is None or tally.captured < options.frames):
                if period is not None:
                    due = start + tally.captured * period
                    now = time.perf_counter()
                    if now < due:
                        time.sleep(due - now)
                    elif now >= due + period:  # the next frame is already due: this one is stale
                        if not source.skip():
                            break
                        tally.captured += 1
                        tally.dropped += 1
                        continue

                t_capture = time.perf_counter()
                frame = source.read()
                t_available = time.perf_counter()
                if frame is None:
                    break
                tally.captured += 1

                t_pre = time.perf_counter()
                batch, letterbox_info = preprocess(frame.image, detector.input_hw)
                t_infer = time.perf_counter()
                output = detector.infer(batch)
                t_post = time.perf_counter()
                detections = postprocess(output, letterbox_info, options.conf, options.iou)
                t_done = time.perf_counter()

                resources = sampler.sample()
                row = FrameRow(
                    run_id=run_id,
                    stream=0,
                    frame=frame.index,
                    ts_ms=ms(t_available - start),
                    model=detector.path.name,
                    runtime=RUNTIME,
                    precision=detector.precision,
                    input=input_label,
                    capture_ms=ms(t_available - t_capture),
                    pre_ms=ms(t_infer - t_pre),
                    infer_ms=ms(t_post - t_infer),
                    post_ms=ms(t_done - t_post),
                    e2e_ms=ms(t_done - t_available),
                    queue_ms=ms(t_pre - t_available),  # single thread: only the hand-over, no queue
                    dropped=tally.dropped,
                    detections=len(detections),
                    cpu_proc_pct=resources.cpu_proc_pct,
                    cpu_sys_pct=resources.cpu_sys_pct,
                    rss_mb=resources.rss_mb,
                )
                csv_writer.write(row)
                det_writer.write(frame.index, row.ts_ms, detections)
                if annotated is not None:
                    annotated.write(frame.image, detections, frame.name)
                tally.add(row)
        finally:
            duration = time.perf_counter() - start
            for closable in (source, csv_writer, det_writer, annotated):
                if closable is not None:
                    closable.close()
            summary = build_summary(
                run_id=run_id,
                tool=TOOL,
                config=_config(options, detector),
                source={
                    "kind": source.kind,
                    "width": source.width,
                    "height": source.height,
                    "fps": source.fps,
                },
                tally=tally,
                duration_s=duration,
                interrupted=stop.requested,
            )
            write_summary(folder / "summary.json", summary)

    log(
        f"{tally.processed} frames processed, {tally.dropped} dropped, {summary['fps']} FPS; "
        f"infer p50 {tally.stats('infer_ms')['p50']} ms, e2e p50 {tally.stats('e2e_ms')['p50']} ms"
        + ("; interrupted" if stop.requested else "")
    )
    return folder


def _config(options: RefRunOptions, detector: OrtDetector) -> dict:
    return {
        "model": str(detector.path),
        "source": options.source,
        "runtime": RUNTIME,
        "threads": options.threads,
        "conf": options.conf,
        "iou": options.iou,
        "realtime": options.realtime,
        "imgsz": list(detector.input_hw),
        "max_frames": options.frames,
    }
