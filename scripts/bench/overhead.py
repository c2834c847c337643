"""Benchmark (issue 13): the engine's own overhead, memory and start-up, all goals in one run.

    flock /tmp/smartcamrt-heavy.lock .venv/bin/python scripts/bench/overhead.py [--model M] [--pairs 3]
        [--frames 200] [--threads 2] [--cold-runs 9] [--variant NAME=BIN[,KEY=VALUE...]] [--reference DIR]
        [--out DIR]

Per pair (pairs interleaved, medians over pairs; the VM's slow spells move single runs by 10-40%):
  raw      `smartcamrt bench` back to back (the raw session p50), and paced at the video's frame interval;
  run      `smartcamrt run --realtime` on vtest.avi per variant (order rotated from pair to pair):
           (a) the engine's own time per frame, p50 of (e2e - infer) over the run's frames, / raw p50
               (or the run's infer p50 where that is lower);
           (b) e2e p50 / raw p50 of the same pair; infer p50 in the run / raw p50 (threads waking up);
               e2e p50 / the raw session paced as the run is (like for like: the idle penalty is the
               platform's);
  raw      again after the runs: the pair's raw p50 is the lower of the two (slow spells);
           (c) the run's peak RSS (wait4's ru_maxrss of the process).
Once: (c) the floor, peak RSS of scripts/bench/ort_floor.c (ORT's C API, same model and threads, nothing
else), built here into a temporary folder; (d) `smartcamrt run` on bus.jpg, a fresh process each time,
median wall time; (e) a deterministic run (the first 40 frames of vtest.avi and both images, not paced):
its detections.jsonl are kept in the output folder and, with --reference (an earlier output folder), compared
frame by frame with those (same classes and count; largest box and score difference).

A variant is a binary (and environment settings) to compare side by side: `--variant base=/tmp/old/smartcamrt
--variant new=build/smartcamrt,SMARTCAMRT_X=1`. Default: one variant, build/smartcamrt.
Writes report.json ("kind": "overhead") and report.md into --out (default runs/bench-overhead/<time>).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SLOW_SPELL = 2.0  # slow spells here run inference 2.5-3.5x slower; a variant that is truly slower stays in
GOALS = {"own_ratio": 0.05, "e2e_ratio": 1.05, "peak_rss_mb": 120.0, "cold_s": 0.25}


@dataclass
class Variant:
    name: str
    binary: Path
    env: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, str]:
        return {**os.environ, **self.env}


def parse_variant(text: str) -> Variant:
    name, _, rest = text.partition("=")
    parts = rest.split(",")
    if not name or not parts[0]:
        raise argparse.ArgumentTypeError(f"--variant '{text}': expected NAME=BIN[,KEY=VALUE...]")
    env = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"--variant '{text}': '{part}' is not KEY=VALUE")
        env[key] = value
    return Variant(name, Path(parts[0]).resolve(), env)


def machine() -> dict:
    model, flags = "?", set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags") and not flags:
            flags = set(line.split(":", 1)[1].split())
    wanted = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni") if f in flags]
    return {"cpu": model, "flags": wanted, "cores": os.cpu_count(), "kernel": platform.release()}


def spawn_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Runs cmd to completion: (wall seconds, peak RSS MB of that process alone, stdout). Fails loudly."""
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        pid = os.posix_spawn(
            cmd[0],
            cmd,
            env or os.environ,
            file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)],
        )
        _, status, usage = os.wait4(pid, 0)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        last = stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise SystemExit(f"overhead: {shlex.join(cmd)} failed ({code}): {last[0]}")
    return wall, usage.ru_maxrss / 1024, stdout


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def read_frames(folder: Path) -> list[dict[str, str]]:
    lines = (folder / "frames.csv").read_text().splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]


def raw_bench(binary: Path, model: str, threads: int, runs: int, interval_ms: float, out: Path) -> float:
    cmd = [
        str(binary),
        "bench",
        "--model",
        model,
        "--threads",
        str(threads),
        "--warmup",
        "10",
        "--runs",
        str(runs),
    ]
    if interval_ms > 0:
        cmd += ["--interval-ms", str(interval_ms)]
    spawn_measured([*cmd, "--json", str(out)])
    return json.loads(out.read_text())["latency_ms"]["p50"]


def realtime_run(variant: Variant, model: str, video: str, threads: int, frames: int, out: Path) -> dict:
    cmd = [
        str(variant.binary),
        "run",
        "--model",
        model,
        "--source",
        video,
        "--realtime",
        "--threads",
        str(threads),
        "--frames",
        str(frames),
        "--no-save",
        "--quiet",
        "--out",
        str(out),
    ]
    _, rss, _ = spawn_measured(cmd, variant.environ())
    rows = read_frames(out)
    e2e = [float(r["e2e_ms"]) for r in rows]
    infer = [float(r["infer_ms"]) for r in rows]
    return {
        "processed": len(rows),
        "dropped": int(rows[-1]["dropped"]) if rows else 0,
        "e2e_p50_ms": p50(e2e),
        "infer_p50_ms": p50(infer),
        "own_p50_ms": p50([e - i for e, i in zip(e2e, infer, strict=True)]),
        "pre_p50_ms": p50([float(r["pre_ms"]) for r in rows]),
        "post_p50_ms": p50([float(r["post_ms"]) for r in rows]),
        "queue_p50_ms": p50([float(r["queue_ms"]) for r in rows]),
        "peak_rss_mb": rss,
    }


def build_floor(tmp: Path) -> Path | None:
    sdk = next(iter(sorted((REPO / ".deps").glob("onnxruntime-linux-x64-*"))), None)
    if sdk is None:
        print("[overhead] no ORT SDK under .deps: the floor is not measured", file=sys.stderr)
        return None
    binary = tmp / "ort_floor"
    subprocess.run(
        [
            "cc",
            "-O2",
            "-o",
            str(binary),
            str(REPO / "scripts/bench/ort_floor.c"),
            f"-I{sdk}/include",
            f"-L{sdk}/lib",
            "-lonnxruntime",
            f"-Wl,-rpath,{sdk}/lib",
        ],
        check=True,
    )
    return binary


def compare_detections(new: Path, reference: Path) -> dict:
    """Frame by frame: same number and classes of detections, largest box (px) and score difference."""

    def load(path: Path) -> dict[tuple[str, int], list[dict]]:
        return {
            (path.parent.name, (d := json.loads(line))["frame"]): d["detections"]
            for line in path.read_text().splitlines()
        }

    result = {"frames": 0, "frames_identical": 0, "frames_mismatched": 0, "max_box_px": 0.0, "max_score": 0.0}
    for name in sorted(p.name for p in new.iterdir() if p.is_dir()):
        ref_file = reference / name / "detections.jsonl"
        if not ref_file.is_file():
            raise SystemExit(f"overhead: --reference has no {name}/detections.jsonl")
        ours, theirs = load(new / name / "detections.jsonl"), load(ref_file)
        if ours.keys() != theirs.keys():
            raise SystemExit(f"overhead: {name}: the frames differ from the reference")
        for key, dets in ours.items():
            result["frames"] += 1
            ref = theirs[key]
            if dets == ref:
                result["frames_identical"] += 1
                continue
            if [d["class_id"] for d in dets] != [d["class_id"] for d in ref]:
                result["frames_mismatched"] += 1
                continue
            for a, b in zip(dets, ref, strict=True):
                result["max_box_px"] = max(
                    result["max_box_px"], *(abs(x - y) for x, y in zip(a["box"], b["box"], strict=True))
                )
                result["max_score"] = max(result["max_score"], abs(a["score"] - b["score"]))
    return result


def detections_run(
    variant: Variant, model: str, sources: dict[str, list[str]], threads: int, out: Path
) -> None:
    for name, extra in sources.items():
        spawn_measured(
            [
                str(variant.binary),
                "run",
                "--model",
                model,
                *extra,
                "--threads",
                str(threads),
                "--no-save",
                "--quiet",
                "--out",
                str(out / name),
            ],
            variant.environ(),
        )


def summarize(name: str, pairs: list[dict], cold: dict) -> dict:
    """One variant's figures over the pairs (medians)."""
    runs = [p["runs"][name] for p in pairs]
    # Runs whose inference p50 is over SLOW_SPELL x the raw one fell into a slow spell of the VM (2-3x
    # slower for tens of seconds): their e2e/raw says nothing about the engine; left out, and counted.
    # The own time needs no such care (e2e and infer of the same frames).
    steady = [
        (r, p) for r, p in zip(runs, pairs, strict=True) if r["infer_p50_ms"] <= SLOW_SPELL * p["raw_p50_ms"]
    ]
    return {
        "own_p50_ms": p50([r["own_p50_ms"] for r in runs]),
        # Against the session's time at that moment: the raw p50 or, when the run was faster (the raw
        # runs fell into a slow spell), the run's own inference p50.
        "own_ratio": p50(
            [
                r["own_p50_ms"] / min(p["raw_p50_ms"], r["infer_p50_ms"])
                for r, p in zip(runs, pairs, strict=True)
            ]
        ),
        "e2e_p50_ms": p50([r["e2e_p50_ms"] for r, _ in steady]),
        "e2e_ratio": p50([r["e2e_p50_ms"] / p["raw_p50_ms"] for r, p in steady]),
        # Like for like: against the session alone paced as the run is, whose idle penalty (cold caches
        # after the wait between frames) is the platform's, not the engine's.
        "e2e_paced_ratio": p50([r["e2e_p50_ms"] / p["raw_paced_p50_ms"] for r, p in steady]),
        "infer_ratio": p50([r["infer_p50_ms"] / p["raw_p50_ms"] for r, p in steady]),
        "slow_spell_runs": len(runs) - len(steady),
        "pre_p50_ms": p50([r["pre_p50_ms"] for r in runs]),
        "post_p50_ms": p50([r["post_p50_ms"] for r in runs]),
        "queue_p50_ms": p50([r["queue_p50_ms"] for r in runs]),
        "peak_rss_mb": p50([r["peak_rss_mb"] for r in runs]),
        "cold_s": cold[name]["median_s"],
    }


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    assets = Path(os.environ.get("SMARTCAMRT_ASSETS", REPO.parent / "shared" / "assets"))
    home = Path(os.environ.get("SMARTCAMRT_HOME", Path.home() / ".cache" / "smartcamrt"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default=str(home / "models" / "yolov5n-640.onnx"),
        help="fp32 ONNX model (default: the 640 export of scripts/env.sh's ensure_model)",
    )
    parser.add_argument("--video", default=str(assets / "video" / "vtest.avi"))
    parser.add_argument("--image", default=str(assets / "images" / "bus.jpg"))
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--frames", type=int, default=200, help="frames per real-time run (10 fps: 20 s)")
    parser.add_argument("--raw-runs", type=int, default=150)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cold-runs", type=int, default=9)
    parser.add_argument("--variant", type=parse_variant, action="append", default=[])
    parser.add_argument("--reference", type=Path, help="an earlier output folder: compare detections with it")
    parser.add_argument(
        "--out", type=Path, default=REPO / "runs" / "bench-overhead" / time.strftime("%Y%m%d-%H%M%S")
    )
    parser.add_argument(
        "--rerender", type=Path, help="recompute the figures and report.md of an earlier output"
    )
    args = parser.parse_args(argv)
    if args.rerender:
        report = json.loads((args.rerender / "report.json").read_text())
        for name, v in report["variants"].items():
            v.update(summarize(name, report["pairs"], report["cold"]))
        (args.rerender / "report.json").write_text(json.dumps(report, indent=2) + "\n")
        (args.rerender / "report.md").write_text(render(report))
        print(render(report))
        return 0
    variants = args.variant or [Variant("engine", REPO / "build" / "smartcamrt")]
    for v in variants:
        if not v.binary.is_file():
            print(f"overhead: {v.binary} is missing: build it first (cmake --build build)", file=sys.stderr)
            return 2
    for path in (args.model, args.video, args.image):
        if not Path(path).is_file():
            print(
                f"overhead: '{path}' does not exist (scripts/env.sh's ensure_model 640 exports the model)",
                file=sys.stderr,
            )
            return 2
    if args.reference and not args.reference.is_dir():
        print(f"overhead: --reference '{args.reference}' is not a folder", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    main_binary = variants[0].binary
    frame_interval_ms = 100.0  # vtest.avi is 10 fps

    steps = args.pairs * (3 + len(variants)) + 3
    step = 0

    def progress(what: str) -> None:
        nonlocal step
        step += 1
        print(f"[overhead] {step}/{steps} {what}", file=sys.stderr, flush=True)

    progress("floor: ORT C API alone")
    floor = None
    with tempfile.TemporaryDirectory() as tmp:
        floor_binary = build_floor(Path(tmp))  # first: a compile error stops the script before the long part
        if floor_binary:
            _, rss, out = spawn_measured([str(floor_binary), args.model, str(args.threads), "20", "1"])
            floor = {"peak_rss_mb": rss, "p50_ms": float(out.split()[1])}

    pairs = []
    for i in range(args.pairs):
        pair = {"runs": {}}
        progress(f"pair {i + 1}: raw session, back to back")
        pair["raw_before_p50_ms"] = raw_bench(
            main_binary, args.model, args.threads, args.raw_runs, 0, args.out / f"raw-{i}.json"
        )
        order = variants[i % len(variants) :] + variants[: i % len(variants)]
        for v in order:
            progress(f"pair {i + 1}: {v.name}, real time, {args.frames} frames")
            pair["runs"][v.name] = realtime_run(
                v, args.model, args.video, args.threads, args.frames, args.out / f"run-{i}-{v.name}"
            )
        progress(f"pair {i + 1}: raw session, back to back, after the runs")
        pair["raw_after_p50_ms"] = raw_bench(
            main_binary, args.model, args.threads, args.raw_runs, 0, args.out / f"raw-after-{i}.json"
        )
        # The lower of the two: one that fell into a slow spell of the VM does not set the pair's ratio.
        pair["raw_p50_ms"] = min(pair["raw_before_p50_ms"], pair["raw_after_p50_ms"])
        progress(f"pair {i + 1}: raw session, paced every {frame_interval_ms:.0f} ms")
        pair["raw_paced_p50_ms"] = raw_bench(
            main_binary, args.model, args.threads, 40, frame_interval_ms, args.out / f"raw-paced-{i}.json"
        )
        pairs.append(pair)

    progress(f"cold single-image runs x{args.cold_runs} per variant")
    cold = {}
    for v in variants:
        walls = []
        for k in range(args.cold_runs):
            wall, _, _ = spawn_measured(
                [
                    str(v.binary),
                    "run",
                    "--model",
                    args.model,
                    "--source",
                    args.image,
                    "--threads",
                    str(args.threads),
                    "--quiet",
                    "--out",
                    str(args.out / f"cold-{v.name}-{k}"),
                ],
                v.environ(),
            )
            walls.append(wall)
        cold[v.name] = {"median_s": p50(walls), "min_s": min(walls), "max_s": max(walls)}

    progress("detections: 40 frames of the video and both images, not paced, per variant")
    images = Path(args.image).parent
    detections, comparisons = {}, {}
    for k, v in enumerate(variants):
        # The first variant's in detections/ (what --reference reads), the others beside it.
        folder = args.out / ("detections" if k == 0 else f"detections-{v.name}")
        detections_run(
            v,
            args.model,
            {"video": ["--source", args.video, "--frames", "40"], "images": ["--source", str(images)]},
            args.threads,
            folder,
        )
        detections[v.name] = str(folder)
        if args.reference:
            comparisons[v.name] = compare_detections(folder, args.reference / "detections")

    per_variant = {
        v.name: {"binary": str(v.binary), "env": v.env, **summarize(v.name, pairs, cold)} for v in variants
    }
    report = {
        "kind": "overhead",
        "command": shlex.join([sys.executable, *sys.argv]),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "model": args.model,
        "threads": args.threads,
        "frames": args.frames,
        "pairs": pairs,
        "raw_p50_ms": p50([p["raw_p50_ms"] for p in pairs]),
        "raw_paced_p50_ms": p50([p["raw_paced_p50_ms"] for p in pairs]),
        "variants": per_variant,
        "floor": floor,
        "cold": cold,
        "detections": {
            "folders": detections,
            "reference": str(args.reference) if args.reference else None,
            "comparisons": comparisons,
        },
        "goals": GOALS,
    }
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = render(report)
    (args.out / "report.md").write_text(markdown)
    print(markdown)
    print(f"[overhead] wrote {args.out}/report.md and report.json", file=sys.stderr)
    return 0


def render(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# Engine overhead, memory and start-up (issue 13)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {' '.join(m['flags'])}. Model {Path(r['model']).name}, "
        f"{r['threads']} threads, {r['frames']} real-time frames per run, median of {len(r['pairs'])} "
        f"interleaved pairs. Raw session p50 {fmt(r['raw_p50_ms'])} ms back to back, "
        f"{fmt(r['raw_paced_p50_ms'])} ms paced at 100 ms.",
        "",
        "| variant | own ms (e2e−infer) | own / raw (≤ 0.05) | e2e / raw (≤ 1.05) | e2e / raw paced "
        "| infer in run / raw | slow-spell runs left out | pre ms | post ms | queue ms | peak RSS MB (≤ 120) "
        "| cold s (≤ 0.25) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, v in r["variants"].items():
        lines.append(
            f"| {name} | {fmt(v['own_p50_ms'])} | {fmt(v['own_ratio'], 3)} | {fmt(v['e2e_ratio'], 3)} | "
            f"{fmt(v.get('e2e_paced_ratio'), 3)} | {fmt(v['infer_ratio'], 3)} | "
            f"{v.get('slow_spell_runs', 0)} | {fmt(v['pre_p50_ms'])} | {fmt(v['post_p50_ms'])} | "
            f"{fmt(v['queue_p50_ms'])} | "
            f"{fmt(v['peak_rss_mb'], 1)} | {fmt(v['cold_s'], 3)} |"
        )
    floor = r["floor"]
    if floor:
        lines += [
            "",
            f"Floor (ORT C API alone, same model and threads): peak RSS {fmt(floor['peak_rss_mb'], 1)} MB, "
            f"p50 {fmt(floor['p50_ms'])} ms.",
        ]
    lines += [
        "",
        "| pair | raw p50 before / after | raw paced p50 | "
        + " | ".join(f"{n} e2e / infer / own" for n in r["variants"])
        + " |",
        "|---|---|---|" + "---|" * len(r["variants"]),
    ]
    for i, p in enumerate(r["pairs"]):
        cells = [
            f"{fmt(x['e2e_p50_ms'])} / {fmt(x['infer_p50_ms'])} / {fmt(x['own_p50_ms'])}"
            for x in (p["runs"][name] for name in r["variants"])
        ]
        raw = f"{fmt(p['raw_before_p50_ms'])} / {fmt(p['raw_after_p50_ms'])}"
        lines.append(f"| {i + 1} | {raw} | {fmt(p['raw_paced_p50_ms'])} | {' | '.join(cells)} |")
    lines.append("")
    for name, c in r["detections"]["comparisons"].items():
        lines.append(
            f"Detections of {name} against {r['detections']['reference']}: "
            f"{c['frames_identical']}/{c['frames']} frames identical, "
            f"{c['frames_mismatched']} with other classes or counts, largest box difference "
            f"{c['max_box_px']:.2f} px, score {c['max_score']:.4f}."
        )
    if not r["detections"]["comparisons"]:
        folders = ", ".join(r["detections"]["folders"].values())
        lines.append(f"Detections kept in {folders} (pass the output folder as --reference to compare).")
    lines += ["", f"Command: `{r['command']}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
