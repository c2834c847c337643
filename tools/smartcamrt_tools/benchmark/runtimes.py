"""`smartcamrt-tools bench-runtimes`: every prepared model x every runtime, one table.

Each artifact (a model file with its manifest beside it) is timed by the C++ engine when the engine has
its runtime: raw session latency (`smartcamrt bench`) and a real-time pipeline run on the same video
(`smartcamrt run`). A runtime the engine lacks is timed from Python, and the row says so.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from ..assets import resolve_asset
from ..errors import ToolError
from ..model_files import model_size_bytes
from . import engine
from .python_timing import bench_python_runner
from .table import write_tables

PACED_RUNS = 50  # session runs at the video's frame interval (5 s at 10 fps)


@dataclass(frozen=True)
class RuntimeBenchOptions:
    models: tuple[str, ...]  # artifact files, or folders holding artifacts with manifests
    out: str
    source: str | None = None  # default: vtest.avi from the assets
    frames: int = 100  # real-time pipeline frames per artifact
    runs: int = 100  # timed session runs per artifact
    warmup: int = 10
    threads: int = os.cpu_count() or 1
    rounds: int = 1  # passes over every model, interleaved; figures are the median over rounds
    cooldown_s: float = 0.0  # idle seconds before each timed engine command (see docs/benchmarks.md)


def discover_artifacts(paths: tuple[str, ...]) -> list[Path]:
    """Prepared models (a model file with its manifest beside it) in the given folders, plus each file
    named directly. A file named directly may lack a manifest (a third-party model): its row says so."""
    artifacts: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.suffix != ".json" and p.with_name(p.name + ".json").is_file()
            )
            if not found:
                raise ToolError(f"{path}: no prepared models (a model file with '<file>.json' beside it)")
            artifacts += found
        elif path.is_file():
            artifacts.append(path)
        else:
            raise ToolError(f"{path}: no such file or folder")
    return artifacts


def _runtime_for(artifact: Path, manifest: dict, runtimes: dict) -> str:
    """The manifest's runtime; without a manifest, the engine backend that takes the file's suffix."""
    if manifest:
        return manifest.get("runtime", "")
    name = artifact.name.lower()
    for backend in runtimes.values():
        if any(name.endswith(suffix) for suffix in backend.get("suffixes", [])):
            return backend["name"]
    raise ToolError(f"{artifact}: no manifest beside it and no engine backend takes its file type")


def _parity_status(manifest: dict) -> str:
    parity = manifest.get("parity")
    if not isinstance(parity, dict) or "passed" not in parity:
        return "unchecked"
    return "passed" if parity["passed"] else "FAILED"


def _bench_artifact(
    artifact: Path, options: RuntimeBenchOptions, runtimes: dict, source: str, out: Path
) -> dict:
    manifest_path = artifact.with_name(artifact.name + ".json")
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    runtime = _runtime_for(artifact, manifest, runtimes)
    row = {
        "model": artifact.name,
        "format": manifest.get("format", "no manifest"),
        "precision": manifest.get("precision", ""),  # without a manifest: what the engine reports
        "runtime": runtime,
        "size_mb": model_size_bytes(artifact) / 2**20,  # with any sidecar (an OpenVINO IR's .bin)
        "parity": _parity_status(manifest) if manifest else "none (no manifest)",
        "threads": options.threads,
    }
    backend = runtimes.get(runtime)
    if backend and backend["available"]:
        row["timed_by"] = "C++ engine"
        time.sleep(options.cooldown_s)
        figures = engine.bench(artifact, runtime, options.threads, options.runs, options.warmup)
        if row["parity"] != "FAILED":  # the engine refuses a failed artifact; so does this table
            time.sleep(options.cooldown_s)
            summary = engine.pipeline_run(artifact, runtime, source, options.frames, options.threads,
                                          out / "runs" / artifact.name)  # fmt: skip
            row["pipeline_infer_p50_ms"] = summary["stages"]["infer_ms"]["p50"]
            row["pipeline_e2e_p50_ms"] = summary["stages"]["e2e_ms"]["p50"]
            row["pipeline_dropped"] = summary["frames"]["dropped"]
            row["precision"] = row["precision"] or summary["model"]["precision"]
            # The same session paced at the video's frame interval: the real-time pipeline's inference
            # is compared with this too, so the ratio shows what the engine adds, not what idling
            # between frames costs the runtime.
            fps = summary["source"]["fps"] or 10.0
            time.sleep(options.cooldown_s)
            paced = engine.bench(
                artifact, runtime, options.threads, min(options.runs, PACED_RUNS), 2, 1000.0 / fps
            )
            row["paced_p50_ms"] = paced["latency_ms"]["p50"]
    elif not manifest:
        why = backend["reason"] if backend else f"no '{runtime}' backend in the engine"
        raise ToolError(
            f"{artifact}: no manifest, so no Python runner to time it with, and the engine cannot: {why}"
        )
    else:
        from ..export.formats import get_format  # torch-heavy: only when a Python runner is needed

        why = backend["reason"] if backend else f"no '{runtime}' backend in the engine"
        row["timed_by"] = f"Python ({why})"
        shape = tuple(manifest["input"]["shape"])
        figures = bench_python_runner(get_format(row["format"]).open_runner, artifact, shape, options.runs,
                                      options.warmup)  # fmt: skip
    stats = figures["latency_ms"]
    row.update(
        init_ms=figures["init_ms"],
        first_run_ms=figures["first_run_ms"],
        p50_ms=stats["p50"],
        p90_ms=stats["p90"],
        p99_ms=stats["p99"],
        throughput_per_s=figures["throughput_per_s"],
        peak_rss_mb=figures["peak_rss_mb"],
    )
    if "pipeline_infer_p50_ms" in row:
        row["pipeline_infer_over_session_p50"] = row["pipeline_infer_p50_ms"] / row["p50_ms"]
        row["pipeline_infer_over_paced_p50"] = row["pipeline_infer_p50_ms"] / row["paced_p50_ms"]
    return row


def _median_row(rows: list[dict]) -> dict:
    """One model's rounds as one row: the median of every number, the spread of the session p50."""
    merged = dict(rows[0])
    for key, value in rows[0].items():
        if isinstance(value, float):
            merged[key] = statistics.median(row[key] for row in rows)
    merged["rounds"] = len(rows)
    p50s = [row["p50_ms"] for row in rows]
    merged["p50_min_ms"], merged["p50_max_ms"] = min(p50s), max(p50s)
    return merged


def bench_runtimes(options: RuntimeBenchOptions) -> Path:
    """Runs the benchmark, writes runtimes.{md,csv,json} into options.out and returns that folder."""
    artifacts = discover_artifacts(options.models)
    source = options.source or str(resolve_asset("video", "vtest.avi"))
    if not Path(source).is_file():
        raise ToolError(f"--source {source}: no such file")
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    info = engine.info()  # one engine call for both the backends and the machine line
    runtimes = engine.available_runtimes(info)
    # Round-robin rather than all rounds of one model back to back: a slow spell of a shared machine
    # then lands on every model alike instead of on one of them.
    rounds = [
        [
            _bench_artifact(artifact, options, runtimes, source, out / f"round{index + 1}")
            for artifact in artifacts
        ]
        for index in range(options.rounds)
    ]
    rows = [_median_row([round_rows[i] for round_rows in rounds]) for i in range(len(artifacts))]
    write_tables(rows, out, machine=engine.host_line(info))
    return out
