"""What each int8 preset detects on another x86 ISA: build the models here, score them under an emulator.

``python -m smartcamrt_tools.quantization.isa_check`` with

- ``build --out DIR``: ``DIR/fp32.onnx`` and one ``DIR/<preset>.onnx`` per preset (uses torch);
- ``score --models DIR --label L``: runs each preset over the first N coco128 images *in this process*
  and prints the mAP50 of its detections against fp32's; with ``--baseline DIR/raw-<other>.npz`` (a run
  kept with ``--save-raw``) it takes fp32's outputs from there and also scores each preset against that
  run's detections of the same preset (1.000: this CPU finds what the baseline CPU found);
- ``time --models DIR``: p50 latency of fp32 and each preset on this CPU;
- ``cpuinfo``: what CPUID says, as /proc/cpuinfo lines, for ``$SMARTCAMRT_CPUINFO`` under qemu-user.

Run ``score`` under ``qemu-x86_64 -cpu Haswell`` and ONNX Runtime picks its AVX2 kernels from the
emulated CPUID; ``scripts/bench/int8_isa_check.sh`` does the whole check. ``score`` imports no torch and
with a baseline, runs no fp32 model either (both are slow under emulation).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..detection_agreement import coco128_images, map50
from ..vision.letterbox import preprocess
from ..vision.yolo_postprocess import postprocess
from .isa import read_host_cpu

FP32 = "fp32"
# s8s8 last: ORT runs its convolutions in float on x86, which is what takes longest under emulation.
DEFAULT_PRESETS = ("qdq-u8s8", "qdq-u8u8", "qdq-u8s8-reduce-range", "qdq-s8s8")


def build(out: Path, imgsz: int, presets: Sequence[str], calibration: int) -> None:
    from ..assets import resolve_weights
    from ..checkpoint import load_checkpoint
    from ..export.onnx_format import INPUT_NAME, export_onnx
    from ..export.request import ExportRequest
    from ..yolov5 import build_from_checkpoint
    from .presets import get_preset
    from .static import quantize_onnx

    out.mkdir(parents=True, exist_ok=True)
    checkpoint = load_checkpoint(resolve_weights("yolov5n.pt"))
    sample = np.zeros((1, 3, imgsz, imgsz), dtype=np.float32)
    fp32 = out / f"{FP32}.onnx"
    export_onnx(ExportRequest(build_from_checkpoint(checkpoint, fuse=True), sample, fp32))
    for name in presets:
        config = dataclasses.replace(get_preset(name), calibration_images=calibration)
        quantize_onnx(fp32, out / f"{name}.onnx", config, (imgsz, imgsz), INPUT_NAME)
        print(f"built {out / name}.onnx ({calibration} calibration images)")


def _session(model: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {name: batch})[0]


def _cpuid_features() -> dict[str, bool]:
    """numpy's runtime dispatch reads CPUID: under qemu-user that is the emulated CPU, while
    /proc/cpuinfo still shows the host's."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as features
    return dict(features)


def cpuid_features() -> str:
    features = _cpuid_features()
    shown = ("AVX2", "FMA3", "AVX512F", "AVX512BW", "AVX512VNNI")
    return " ".join(f"{name}={'yes' if features.get(name) else 'no'}" for name in shown)


# numpy's names for the CPUID features it detects -> the /proc/cpuinfo flags of isa.ISA_FLAGS.
_NUMPY_FEATURE_FLAGS = {
    "AVX2": "avx2",
    "FMA3": "fma",
    "AVX512F": "avx512f",
    "AVX512BW": "avx512bw",
    "AVX512VNNI": "avx512_vnni",
    "AVX512BF16": "avx512_bf16",
}


def emulated_cpuinfo(model: str) -> str:
    """A /proc/cpuinfo-style text of what CPUID says, for ``$SMARTCAMRT_CPUINFO`` under qemu-user (whose
    /proc/cpuinfo is the host's). numpy knows no AVX-VNNI or AMX, which qemu 7.2 cannot emulate anyway."""
    features = _cpuid_features()
    flags = " ".join(flag for name, flag in _NUMPY_FEATURE_FLAGS.items() if features.get(name))
    return f"processor\t: 0\nmodel name\t: {model}\nflags\t\t: {flags}\n"


def score(
    models: Path,
    label: str,
    presets: Sequence[str],
    images: int,
    imgsz: int,
    threads: int,
    baseline: Path | None,
    save_raw: bool = False,
) -> dict:
    """mAP50 of each preset's detections against fp32's; with a baseline run, also against that run's
    detections of the same preset (1.000: this CPU finds what the baseline CPU found)."""
    print(f"[{label}] CPUID: {cpuid_features()}; /proc/cpuinfo: {read_host_cpu().describe()}", flush=True)
    inputs = [preprocess(cv2.imread(str(path)), (imgsz, imgsz)) for path in coco128_images(images)]
    base = dict(np.load(baseline)) if baseline else {}
    raw: dict[str, np.ndarray] = {}
    if FP32 in base:  # fp32 differs between ISAs by rounding only: reuse it rather than emulate it
        reference_from = f"the baseline run ({baseline.name})"
        raw[FP32] = base[FP32][: len(inputs)]
    else:
        reference_from = "this run"
        raw[FP32] = _run_all(models / f"{FP32}.onnx", inputs, threads)
    reference = _detections(raw[FP32], inputs)
    record: dict = {"label": label, "images": len(inputs), "imgsz": imgsz, "cpuid": cpuid_features()}
    record["fp32_reference_from"] = reference_from
    print(f"[{label}] fp32 reference from {reference_from}", flush=True)
    for name in presets:
        started = time.monotonic()
        raw[name] = _run_all(models / f"{name}.onnx", inputs, threads)
        detections = _detections(raw[name], inputs)
        entry = {"map50_vs_fp32": round(map50(reference, detections).value, 4)}
        line = f"{name}: mAP50 {entry['map50_vs_fp32']:.3f} vs fp32"
        if name in base:
            same = map50(_detections(base[name][: len(inputs)], inputs), detections).value
            entry["map50_vs_baseline"] = round(same, 4)
            line += f", {same:.3f} vs the baseline run's {name}"
        record[name] = entry
        print(f"[{label}] {line} ({len(inputs)} images, {time.monotonic() - started:.0f} s)", flush=True)
    if save_raw:  # 8.6 MB per model and image at 640: only for runs that serve as a baseline
        np.savez(models / f"raw-{label}.npz", **raw)
    (models / f"score-{label}.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _run_all(model: Path, inputs: list, threads: int) -> np.ndarray:
    run = _session(model, threads)
    return np.concatenate([run(batch) for batch, _ in inputs])


def _detections(raw: np.ndarray, inputs: list) -> list:
    return [postprocess(out[None], info) for out, (_, info) in zip(raw, inputs, strict=True)]


def time_models(
    models: Path, presets: Sequence[str], imgsz: int, threads: int, runs: int, rounds: int
) -> dict:
    """p50 latency (ms) of each model on one letterboxed image, in interleaved rounds (median of the
    rounds' p50s), so a slow spell of a shared machine hits every model alike."""
    batch, _ = preprocess(cv2.imread(str(coco128_images(1)[0])), (imgsz, imgsz))
    names = [FP32, *presets]
    sessions = {name: _session(models / f"{name}.onnx", threads) for name in names}
    p50s: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name, run in sessions.items():
            run(batch)  # warm-up
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                run(batch)
                times.append((time.perf_counter() - started) * 1e3)
            p50s[name].append(float(np.median(times)))
    result = {name: round(float(np.median(values)), 2) for name, values in p50s.items()}
    print(f"p50 ms at {imgsz}, {threads} threads, {rounds} x {runs} runs: {result}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m smartcamrt_tools.quantization.isa_check")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="fp32 ONNX + one int8 model per preset")
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--presets", nargs="+", default=list(DEFAULT_PRESETS))
    make.add_argument("--calibration-images", type=int, default=64)
    run = commands.add_parser("score", help="mAP50 of each preset against fp32, on this (emulated) CPU")
    run.add_argument("--models", type=Path, required=True)
    run.add_argument("--label", required=True, help="names this run's outputs, e.g. native or haswell")
    run.add_argument("--images", type=int, default=16)
    run.add_argument("--presets", nargs="+", default=list(DEFAULT_PRESETS))
    run.add_argument("--baseline", type=Path, default=None, help="raw-<label>.npz of another run")
    run.add_argument("--save-raw", action="store_true", help="keep raw-<label>.npz, for a later --baseline")
    info = commands.add_parser("cpuinfo", help="print what CPUID says, as /proc/cpuinfo would")
    info.add_argument("--model", default="emulated CPU", help="the model name line")
    timing = commands.add_parser("time", help="p50 latency of fp32 and each preset on this CPU")
    timing.add_argument("--models", type=Path, required=True)
    timing.add_argument("--presets", nargs="+", default=list(DEFAULT_PRESETS))
    timing.add_argument("--runs", type=int, default=50)
    timing.add_argument("--rounds", type=int, default=3)
    for sub in (run, timing):
        sub.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    for sub in (make, run, timing):
        sub.add_argument("--imgsz", type=int, default=320)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.out, args.imgsz, args.presets, args.calibration_images)
    elif args.command == "cpuinfo":
        print(emulated_cpuinfo(args.model), end="")
    elif args.command == "time":
        time_models(args.models, args.presets, args.imgsz, args.threads, args.runs, args.rounds)
    else:
        score(
            args.models,
            args.label,
            args.presets,
            args.images,
            args.imgsz,
            args.threads,
            args.baseline,
            args.save_raw,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
