"""Benchmark (issue 9, item 5): throughput and latency of 1, 2 and 4 streams, and N sessions x 1 thread
against 1 session x N threads, through the C++ engine, in one sitting with repetitions.

    .venv/bin/python scripts/bench/streams.py [--model M] [--video V] [--frames 150] [--rounds 3]
        [--slo-ms 100] [--adapt] [--out DIR]

Two kinds of run per configuration:
- capacity: every stream reads its frames as fast as possible (no pacing): total processed frames per
  second over the run, the figure for "how many streams can this box serve";
- real time: each stream is paced at the video's 10 fps (a camera), latest frame wins: end-to-end p50/p95
  over all streams, dropped share, SLO attainment (answers within --slo-ms / frames offered).
`--adapt` adds a real-time 4-stream run with the adaptive controller (one shared budget).
Rounds are interleaved (round 1 of every configuration, then round 2, ...) and the median is reported,
so a slow spell of the VM does not land on one configuration only. Writes streams.md and streams.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "build" / "smartcamrt"


def cpu_line() -> str:
    model, flags = "?", set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    wanted = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni") if f in flags]
    return f"{model}, {os.cpu_count()} cores, flags: {' '.join(wanted)}"


def read_frames(folder: Path) -> list[dict[str, str]]:
    lines = (folder / "frames.csv").read_text().splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]


def stream_folders(run: Path, streams: int) -> list[Path]:
    return [run] if streams == 1 else [run / f"stream{i}" for i in range(streams)]


def run_engine(args: list[str], out: Path) -> float:
    start = time.monotonic()
    subprocess.run(
        [str(ENGINE), "run", *args, "--out", str(out), "--no-save", "--quiet"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - start


def measure(config: dict, model: str, video: str, frames: int, slo_ms: float, out: Path) -> dict:
    sources = [arg for _ in range(config["streams"]) for arg in ("--source", video)]
    common = ["--model", model, *sources, "--threads", str(config["threads"]), "--frames", str(frames)]
    if config["realtime"]:
        common += ["--realtime", "--slo-ms", str(slo_ms)]
    if config.get("adapt"):
        common += ["--adapt"]
    wall = run_engine(common, out)
    rows, captured, dropped, within = [], 0, 0, 0
    for folder in stream_folders(out, config["streams"]):
        rows += read_frames(folder)
        summary = json.loads((folder / "summary.json").read_text())
        captured += summary["frames"]["captured"]
        dropped += summary["frames"]["dropped"]
        within += summary["adaptation"].get("within_slo") or 0
    e2e = sorted(float(r["e2e_ms"]) for r in rows)
    pick = lambda q: e2e[min(len(e2e) - 1, int(q * len(e2e)))] if e2e else float("nan")  # noqa: E731
    first_ts = min(float(r["ts_ms"]) for r in rows) if rows else 0.0
    last = max(float(r["ts_ms"]) + float(r["e2e_ms"]) for r in rows) if rows else 0.0
    span_s = max(1e-9, (last - first_ts) / 1000.0)
    return {
        "processed": len(rows),
        "dropped": dropped,
        "captured": captured,
        "throughput_fps": len(rows) / span_s,
        "e2e_p50_ms": pick(0.50),
        "e2e_p95_ms": pick(0.95),
        "drop_share": dropped / captured if captured else 0.0,
        "slo_attainment": within / captured if config["realtime"] and captured else None,
        "wall_s": wall,
        "models": sorted({r["model"] for r in rows}),
    }


def configurations(cores: int, adapt: bool) -> list[dict]:
    """1, 2 and 4 streams with the cores shared out, plus N sessions x 1 thread and 1 session x N
    threads (N = cores); on 2 cores the last two coincide with 2 x 1 and 1 x 2."""
    shapes = [(1, cores), (2, max(1, cores // 2)), (4, max(1, cores // 4)), (cores, 1), (1, cores)]
    unique = list(dict.fromkeys(shapes))
    configs = [
        {"name": f"{s} stream(s) x {t} thr", "streams": s, "threads": t, "realtime": realtime}
        for realtime in (False, True)
        for s, t in unique
    ]
    if adapt:
        configs.append(
            {"name": "4 stream(s) x 1 thr", "streams": 4, "threads": 1, "realtime": True, "adapt": True}
        )
    return configs


def median_of(results: list[dict], key: str):
    values = [r[key] for r in results if r[key] is not None]
    return statistics.median(values) if values else None


def main(argv: list[str] | None = None) -> int:
    assets = os.environ.get("SMARTCAMRT_ASSETS", str(REPO.parent / "shared" / "assets"))
    home = Path(os.environ.get("SMARTCAMRT_HOME", Path.home() / ".cache" / "smartcamrt"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(home / "models" / "yolov5n-640.onnx"))
    parser.add_argument("--video", default=str(Path(assets) / "video" / "vtest.avi"))
    parser.add_argument(
        "--frames", type=int, default=150, help="frames per stream (real time: 15 s at 10 fps)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--slo-ms", type=float, default=100.0)
    parser.add_argument("--adapt", action="store_true", help="add a 4-stream adaptive real-time run")
    parser.add_argument(
        "--out", type=Path, default=REPO / "runs" / f"bench-streams-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    args = parser.parse_args(argv)
    if not ENGINE.is_file():
        print(f"streams: {ENGINE} is missing: run scripts/setup.sh first", file=sys.stderr)
        return 2
    cores = os.cpu_count() or 1
    configs = configurations(cores, args.adapt)
    results: dict[int, list[dict]] = {i: [] for i in range(len(configs))}
    total = len(configs) * args.rounds
    done = 0
    for rnd in range(args.rounds):
        for i, config in enumerate(configs):
            done += 1
            kind = "real time" if config["realtime"] else "capacity"
            print(f"[streams] {done}/{total} round {rnd + 1}: {config['name']} ({kind})", file=sys.stderr)
            folder = args.out / f"r{rnd}-{i}"
            results[i].append(measure(config, args.model, args.video, args.frames, args.slo_ms, folder))
    rows = []
    for i, config in enumerate(configs):
        r = results[i]
        rows.append(
            {
                **config,
                "rounds": len(r),
                "models": sorted({m for x in r for m in x["models"]}),
                **{
                    k: median_of(r, k)
                    for k in ("throughput_fps", "e2e_p50_ms", "e2e_p95_ms", "drop_share", "slo_attainment")
                },
                "throughput_spread": [
                    min(x["throughput_fps"] for x in r),
                    max(x["throughput_fps"] for x in r),
                ],
            }
        )
    machine = cpu_line()
    report = {
        "machine": machine,
        "model": args.model,
        "video": args.video,
        "frames_per_stream": args.frames,
        "slo_ms": args.slo_ms,
        "rounds": args.rounds,
        "results": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "streams.json").write_text(json.dumps(report, indent=2) + "\n")
    fmt = lambda v, d=1: "–" if v is None else f"{v:.{d}f}"  # noqa: E731
    lines = [
        "# Streams: throughput and latency",
        "",
        f"Machine: {machine}. Model: {Path(args.model).name}. {args.frames} frames per stream, "
        f"median of {args.rounds} interleaved rounds; SLO {args.slo_ms:.0f} ms.",
        "",
        "| configuration | mode | total fps (min–max) | e2e p50 ms | e2e p95 ms | dropped | SLO attainment "
        "| models |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mode = "real time" + (" adaptive" if r.get("adapt") else "") if r["realtime"] else "capacity"
        spread = (
            f"{fmt(r['throughput_fps'])} ({fmt(r['throughput_spread'][0])}–{fmt(r['throughput_spread'][1])})"
        )
        lines.append(
            f"| {r['name']} | {mode} | {spread} | {fmt(r['e2e_p50_ms'])} | {fmt(r['e2e_p95_ms'])} | "
            f"{fmt(100 * r['drop_share'])}% | {fmt(r['slo_attainment'], 3)} | {', '.join(r['models'])} |"
        )
    (args.out / "streams.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(args.out / "streams.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
