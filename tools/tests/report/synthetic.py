"""Small result files of every kind the report reads, written by the tests (shapes as the benchmark
commands write them: runtimes.json, the model comparison, compression.json, stress.json, a device
profile, a verify-pi.sh run folder, BUNDLE.json). ``evil`` goes into names, to test escaping."""

from __future__ import annotations

import json
from pathlib import Path

EVIL = '<script>alert("x")</script> | "><img src=x onerror=alert(1)>'


def _write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def runtimes(folder: Path, model: str = "yolov5n-320.onnx") -> Path:
    rows = [
        {
            "model": model,
            "format": "onnx",
            "precision": "fp32",
            "runtime": "ort",
            "size_mb": 7.26,
            "parity": "passed",
            "threads": 2,
            "timed_by": "C++ engine",
            "init_ms": 39.2,
            "p50_ms": 8.86,
            "p90_ms": 9.13,
            "p99_ms": 9.16,
            "pipeline_e2e_p50_ms": 10.73,
            "throughput_per_s": 112.0,
            "peak_rss_mb": 126.0,
            "rounds": 3,
        },
        {
            "model": "yolov5n-640.pte",
            "format": "executorch",
            "precision": "fp32",
            "runtime": "executorch",
            "size_mb": 7.5,
            "parity": "passed",
            "threads": 2,
            "timed_by": "C++ engine",
            "init_ms": 80.0,
            "p50_ms": 33.28,
            "p90_ms": 40.0,
            "p99_ms": 51.0,
            "pipeline_e2e_p50_ms": 36.0,
            "throughput_per_s": 30.0,
            "peak_rss_mb": 150.0,
            "rounds": 3,
        },
    ]
    return _write(folder / "runtimes.json", {"machine": "Test CPU 9000, 2 cores, Debian", "rows": rows})


def model_comparison(folder: Path, name: str = "sst2-lstm.onnx") -> Path:
    """The shape scripts/bench/models.py writes (models.json)."""

    def row(family, model, runtime, precision, threads, p50, accuracy=None, length="dynamic"):
        return {
            "family": family,
            "model": model,
            "runtime": runtime,
            "precision": precision,
            "length": length,
            "threads": threads,
            "size_mb": 2.1,
            "parameters_m": 0.5,
            "gflops": 0.01,
            "flops_at": "seq16",
            "accuracy": accuracy,
            "metric": "SST-2 dev accuracy (manifest)" if accuracy else "",
            "init_ms": 12.0,
            "first_infer_ms": 3.0,
            "p50_ms": p50,
            "p99_ms": p50 * 1.5,
            "pre_p50_ms": 0.01,
            "item_p50_ms": p50 + 0.1,
            "rss_max_mb": 80.0,
            "cpu_mean_pct": 95.0,
        }

    rows = [
        row("yolov5n-640", "yolov5n-640.onnx", "ort", "fp32", 2, 20.84, length="image"),
        row("lstm", name, "ort", "fp32", 2, 0.41, 0.8463),
        row("minilm", "sst2-minilm.onnx", "ort", "fp32", 2, 6.2, 0.8991),
        row("minilm", "sst2-minilm.int8.onnx", "ort", "int8", 2, 3.1, 0.8956),
        row("lstm", name, "ort", "fp32", 1, 0.52, 0.8463),
    ]
    lengths = [
        {
            "family": "minilm",
            "model": "sst2-minilm.onnx",
            "runtime": "ort",
            "threads": 2,
            "tokens": n,
            "fed": n,
            "p50_ms": 1.0 + n / 10,
            "first_infer_ms": 5.0,
        }
        for n in (16, 64)
    ]
    return _write(
        folder / "models.json",
        {
            "kind": "model-comparison",
            "command": "scripts/bench/models.py --rounds 1",
            "created": "2026-12-05T11:00:00+00:00",
            "machine": {"cpu": "Test CPU 9000", "flags": ["avx2"], "cores": 2},
            "engine": "0.1.0",
            "settings": {"threads": [1, 2], "lengths": [16, 64], "rounds": 1, "out": "runs/bench-models"},
            "left_out": ["sst2-lstm.tflite"],
            "rows": rows,
            "lengths": lengths,
        },
    )


def text_dev(folder: Path) -> Path:
    """The shape scripts/bench/text_dev.py writes (text-dev.json)."""
    row = {
        "model": "sst2-lstm.onnx",
        "runtime": "ort",
        "precision": "fp32",
        "answered": 872,
        "accuracy": 0.8463302752293578,
        "manifest_accuracy": 0.84633,
        "agreement_python_same_runtime": 1.0,
        "agreement_ref_run": 1.0,
        "cpp_infer_p50_ms": 0.3895,
        "cpp_service_p50_ms": 0.3995,
        "py_service_p50_ms": 0.439,
        "service_python_over_cpp": 1.0988,
    }
    return _write(
        folder / "text-dev.json",
        {
            "kind": "text-dev",
            "command": "scripts/bench/text_dev.py",
            "created": "2026-12-05T11:05:24+00:00",
            "texts": 872,
            "rows": [row],
        },
    )


def compression(folder: Path, kind: bool = True) -> Path:
    base = {"input": 320, "params": 1872157, "gflops": 1.117, "sparsity": 0.0, "size_mb": 7.62}
    rows = [
        dict(
            base,
            model="yolov5n-320.onnx",
            variant="fp32 (unpruned)",
            **{"mAP50-95": 0.2778, "mAP50": 0.47},
            ort_p50_ms=5.86,
            ort_speedup=1.0,
        ),
        dict(
            base,
            model="yolov5n-prune-s50.onnx",
            variant="structured 50% channels, fine-tuned 10 ep",
            params=502013,
            size_mb=2.15,
            **{"mAP50-95": 0.12, "mAP50": 0.2},
            ort_p50_ms=3.3,
            ort_speedup=1.77,
        ),
        dict(
            base,
            model="yolov5n-prune-u30.onnx",
            variant="unstructured 30%",
            sparsity=0.28,
            **{"mAP50-95": 0.22, "mAP50": 0.38},
            ort_p50_ms=5.8,
            ort_speedup=1.01,
        ),
    ]
    if not kind:  # the shape before the table had a kind: cpu + rows, ONNX on one runtime
        return _write(folder / "compression.json", {"cpu": "Test CPU 9000, 2 cores", "rows": rows})
    for row in rows:
        row.update(format="onnx", precision="fp32")
    rows += [  # the later shape: other formats, each with its runtime's columns only
        {
            "model": "yolov5n-320.tflite",
            "variant": "tflite fp32",
            "format": "tflite",
            "precision": "fp32",
            "input": 320,
            "params": 1872157,
            "gflops": 1.117,
            "size_mb": 7.5,
            "mAP50-95": 0.2775,
            "mAP50": 0.47,
            "litert_p50_ms": 9.1,
            "litert_speedup": 1.0,
        },
        {
            "model": "yolov5n-qat-320.int8.tflite",
            "variant": "tflite (QAT)",
            "format": "tflite",
            "precision": "int8",
            "input": 320,
            "params": None,
            "gflops": None,
            "size_mb": 2.1,
            "mAP50-95": 0.25,
            "mAP50": 0.44,
            "litert_p50_ms": 4.2,
            "litert_speedup": 2.17,
        },
    ]
    return _write(
        folder / "compression.json",
        {
            "kind": "compression-table",
            "command": "scripts/bench/compression.py --baseline a.onnx --rounds 3",
            "created": "2026-12-05T12:00:00+00:00",
            "machine": {"cpu": "Test CPU 9000", "flags": ["avx2"], "cores": 2},
            "threads": 2,
            "runs": 100,
            "rounds": 3,
            "accuracy": "smartcamrt eval --record",
            "baselines": {"ort": "yolov5n-320.onnx", "litert": "yolov5n-320.tflite"},
            "rows": rows,
        },
    )


def int8_speedup(folder: Path) -> Path:
    """The shape python -m smartcamrt_tools.quantization.speedup writes (speedup.json)."""
    rows = [
        {
            "runtime": r,
            "fp32": "yolov5n-320.onnx",
            "int8": "yolov5n-320.int8.onnx",
            "fp32_p50_ms": f,
            "int8_p50_ms": i,
            "speedup": round(f / i, 3),
            "speedup_min": 0.9,
            "speedup_max": 1.4,
        }
        for r, f, i in (("ort", 5.4, 5.02), ("openvino", 5.68, 4.46))
    ]
    return _write(
        folder / "speedup.json", {"cpu": "Test CPU 9000", "threads": 2, "method": "5 rounds", "rows": rows}
    )


def stress(folder: Path, profile: str = "") -> Path:
    def mode(name: str, attainment: float, accuracy: float, configs: dict, run_id: str) -> dict:
        return {
            "mode": name,
            "folder": name,
            "run_id": run_id,
            "configurations": configs,
            "slo_attainment": attainment,
            "effective_accuracy": accuracy,
            "accuracy_metric": "agreement-mAP50 vs pytorch",
            "e2e_ms": {"p50": 50.0, "p95": 150.0, "p99": 190.0},
            "dropped": 6,
            "offered": 600,
            "processed": 594,
            "switches": 1 if name == "adaptive" else 0,
            "reaction": [{"at_s": 10.0, "from": 0.0, "to": 3.0, "reaction_s": 7.0}],
            "lost_to_switching": 0,
        }

    return _write(
        folder / "stress.json",
        {
            "config": {
                "duration_s": 60.0,
                "load": "0s:0,10s:3,40s:0",
                "model": "/m/yolov5n-640.onnx",
                "profile": profile,
                "slo_ms": 100.0,
                "sources": ["/a/vtest.avi"],
                "streams": 1,
                "threads": 2,
            },
            "host": {
                "arch": "x86_64",
                "cores": 2,
                "cpu_model": "Test CPU 9000",
                "isa": ["avx2", "avx512_vnni"],
            },
            "interrupted": False,
            "modes": [
                mode("static-heavy", 0.055, 1.0, {"ort/yolov5n-640.onnx": 283}, "20261205-074638-37e9"),
                mode("static-light", 0.772, 1.0, {"ort/yolov5n-320.onnx": 594}, "20261205-074738-2612"),
                mode(
                    "adaptive",
                    0.615,
                    0.998,
                    {"ort/yolov5n-320.onnx": 567, "ort/yolov5n-640.onnx": 2},
                    "20261205-074838-aaaa",
                ),
            ],
        },
    )


def profile(folder: Path, name: str = "profile-abc.json") -> Path:
    config = {
        "id": "yolov5n-320.onnx ort t2",
        "runtime": "ort",
        "threads": 2,
        "precision": "fp32",
        "input": "320x320",
        "infer_p50_ms": 6.0,
        "infer_p95_ms": 8.97,
        "e2e_p50_ms": 6.61,
        "cpu_pct": 187.0,
        "rss_mb": 29.0,
        "accuracy": 0.2778,
        "accuracy_metric": "mAP50-95",
    }
    return _write(
        folder / name,
        {
            "version": 1,
            "fingerprint": "abc",
            "created": "2026-12-05T08:58:29Z",
            "host": {"cpu_model": "Test CPU 9000", "cores": 2, "isa": ["avx2"]},
            "configurations": [config],
        },
    )


def emulated_run(folder: Path, exit_code: int = 0) -> Path:
    _write(
        folder / "summary.json",
        {
            "tool": "smartcamrt run",
            "run_id": "20261205-085033-d66a",
            "config": {"model": "/m/pi-model.onnx", "runtime": "ort", "input": "320x320", "threads": 2},
            "frames": {"processed": 1},
            "model": {"name": "yolov5n-320.onnx"},
            "resources": {"rss_mb": {"max": 185.7}},
            "stages": {"infer_ms": {"p50": 2152.4}, "e2e_ms": {"p50": 2181.6}},
        },
    )
    return _write(
        folder / "emulation.json",
        {
            "emulated": True,
            "bundle": "smartcamrt-0.1.0-linux-aarch64.tar.gz",
            "emulator": "qemu-aarch64 version 7.2.22",
            "cpu": "cortex-a72",
            "host_cpu": "Test CPU 9000",
            "command": "smartcamrt run --source bus.jpg --out x --no-save",
            "wall_s": 6.1,
            "exit_code": exit_code,
        },
    )


def bundle(folder: Path) -> Path:
    return _write(
        folder / "BUNDLE.json",
        {
            "name": "smartcamrt-0.1.0-linux-aarch64",
            "target": "linux-aarch64",
            "march": "armv8-a+crc",
            "runtimes_bundled": ["ort", "openvino"],
            "models": ["yolov5n-320.onnx"],
            "git_commit": "3a3f90dd251c",
        },
    )


def run_folder(folder: Path, model: str = "yolov5n-320.onnx") -> Path:
    return _write(
        folder / "summary.json",
        {
            "run_id": "20261205-100026-2ca9",
            "tool": "smartcamrt run",
            "host": {"cpu_model": "Test CPU 9000", "cores": 2},
            "config": {"model": f"/m/{model}", "runtime": "ort", "source": "/a/vtest.avi"},
            "frames": {"captured": 100, "processed": 97, "dropped": 3},
            "fps": 9.7,
            "stages": {"e2e_ms": {"p50": 41.5, "p95": 77.25}},
            "adaptation": {"slo_attainment": 0.93, "effective_accuracy": 0.278},
            "interrupted": False,
        },
    )


def everything(root: Path) -> Path:
    """One of each, in folders whose names say nothing about what they hold (discovery is by content)."""
    runtimes(root / "a")
    model_comparison(root / "b")
    compression(root / "c")
    prof = profile(root / "d")
    stress(root / "e", profile=str(prof))
    emulated_run(root / "f" / "pi-run")
    bundle(root / "g")
    run_folder(root / "h" / "20261205-100026-2ca9")
    run_folder(root / "e" / "adaptive", model="inside-stress.onnx")  # a stress mode's: the stress section's
    run_folder(root / "a" / "round1" / "runs" / "x", model="bench-internal.onnx")  # bench-runtimes' own
    return root
