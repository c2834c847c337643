"""Benchmark (issue 8, items 4-5): the pruned and distilled YOLOv5n variants against the fp32 model, in one
sitting: file size, parameters, FLOPs, raw session latency per runtime (``smartcamrt bench``), and COCO
mAP50-95 / mAP50 on coco128's evaluation split (``smartcamrt eval --record``).

    flock /tmp/smartcamrt-heavy.lock .venv/bin/python scripts/bench/compression.py \
        --baseline ~/.cache/smartcamrt/models/yolov5n-320.onnx ~/.cache/smartcamrt/compression/*.onnx \
        [--runtimes ort openvino] [--runs 100] [--rounds 3] [--threads 2] [--out runs/compression]

Latency: ``smartcamrt bench --runs N`` per model and runtime, rounds interleaved (round 1 of every model,
then round 2, ...), the median of the rounds' p50 reported, and each model's ratio to the baseline on the
same runtime (baseline p50 / model p50: above 1 is faster). Parameters and FLOPs come from the manifest's
``compression`` record; for the baseline (no record) they are counted on the checkpoint the same way
(``compression.prune.count_cost``: parameters before Conv+BN fusion, 2 x conv multiply-accumulates).
Writes compression.md, .csv and .json into ``--out``; the Markdown table is printed too.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "build" / "smartcamrt"
sys.path.insert(0, str(REPO / "scripts" / "bench"))

from streams import cpu_line  # noqa: E402  (the CPU line every benchmark prints)


def manifest(model: Path) -> dict:
    path = model.with_name(model.name + ".json")
    return json.loads(path.read_text()) if path.is_file() else {}


def base_cost(meta: dict, imgsz: int) -> dict:
    from smartcamrt_tools.checkpoint import load_checkpoint
    from smartcamrt_tools.compression.prune import count_cost
    from smartcamrt_tools.yolov5 import build_from_checkpoint

    model = build_from_checkpoint(load_checkpoint(meta["source"]["path"]))
    return count_cost(model, imgsz).to_dict()


def describe(model: Path, meta: dict) -> dict:
    record = meta.get("compression")
    imgsz = meta["input"]["shape"][2]
    cost = record["pruned"] if record else base_cost(meta, imgsz)
    if record is None:
        variant = "fp32 (unpruned)"
    else:
        recipe = record["recipe"]
        what = "channels" if record["method"] == "structured" else "conv weights (unstructured)"
        variant = f"{record['method']} {round(record['ratio'] * 100)}% {what}"
        epochs = recipe["train"]["epochs"]
        if recipe.get("distill"):
            variant += f", distilled {epochs} ep"
        elif epochs:
            variant += f", fine-tuned {epochs} ep"
        else:
            variant += ", no fine-tune"
    return {
        "model": model.name,
        "variant": variant,
        "input": imgsz,
        "params": cost["params"],
        "gflops": cost["gflops"],
        "sparsity": cost.get("conv_weight_sparsity", 0.0),
        "size_mb": round(meta.get("size_bytes", model.stat().st_size) / 1e6, 2),
    }


def bench(model: Path, runtime: str, runs: int, threads: int) -> float:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [str(ENGINE), "bench", "--model", str(model), "--runtime", runtime, "--runs", str(runs)]
        cmd += ["--threads", str(threads), "--json", out.name]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.loads(Path(out.name).read_text())["latency_ms"]["p50"]


def evaluate(model: Path, out: Path) -> dict:
    result = out / f"{model.name}.eval.json"
    cmd = [str(ENGINE), "eval", "--model", str(model), "--json", str(result)]
    if model.with_name(model.name + ".json").is_file():
        cmd.append("--record")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    doc = json.loads(result.read_text())
    return {"mAP50-95": doc["mAP50-95"], "mAP50": doc["mAP50"]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+", type=Path, help="compressed ONNX artifacts")
    parser.add_argument("--baseline", required=True, type=Path, help="the fp32 ONNX export at the same size")
    parser.add_argument("--runtimes", nargs="+", default=["ort", "openvino"])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-eval", action="store_true", help="take mAP from each manifest's accuracy")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "compression")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    models = [args.baseline.resolve()] + [
        m.resolve() for m in args.models if m.resolve() != args.baseline.resolve()
    ]

    rows = [describe(m, manifest(m)) for m in models]
    for row, model in zip(rows, models, strict=True):
        if args.no_eval:
            accuracy = manifest(model).get("accuracy", {})
            row.update({"mAP50-95": accuracy.get("mAP50-95"), "mAP50": accuracy.get("mAP50")})
        else:
            print(f"eval {model.name}", file=sys.stderr, flush=True)
            row.update(evaluate(model, args.out))
    samples: dict[tuple[int, str], list[float]] = {}
    for round_ in range(args.rounds):
        for runtime in args.runtimes:
            for index, model in enumerate(models):
                print(
                    f"bench round {round_ + 1}/{args.rounds} {runtime} {model.name}",
                    file=sys.stderr,
                    flush=True,
                )
                samples.setdefault((index, runtime), []).append(
                    bench(model, runtime, args.runs, args.threads)
                )
    for index, row in enumerate(rows):
        for runtime in args.runtimes:
            p50 = statistics.median(samples[(index, runtime)])
            base = statistics.median(samples[(0, runtime)])
            row[f"{runtime}_p50_ms"] = round(p50, 2)
            row[f"{runtime}_speedup"] = round(base / p50, 2)
    for row in rows:
        row["mAP50-95_drop_points"] = (
            round((rows[0]["mAP50-95"] - row["mAP50-95"]) * 100, 2) if row["mAP50-95"] is not None else None
        )

    cpu = cpu_line()
    header = ["variant", "input", "params", "GFLOPs", "size MB"]
    header += [f"{r} p50 ms (x fp32)" for r in args.runtimes] + ["mAP50-95", "mAP50", "Δ mAP50-95 (pts)"]
    lines = [f"CPU: {cpu}; {args.threads} threads, {args.runs} runs x {args.rounds} rounds (median p50)", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            row["variant"],
            str(row["input"]),
            f"{row['params']:,}",
            f"{row['gflops']:.3f}",
            f"{row['size_mb']:.2f}",
        ]
        cells += [f"{row[f'{r}_p50_ms']:.2f} ({row[f'{r}_speedup']:.2f}x)" for r in args.runtimes]
        cells += [f"{row['mAP50-95']:.4f}", f"{row['mAP50']:.4f}", f"{row['mAP50-95_drop_points']:+.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines) + "\n"
    (args.out / "compression.md").write_text(table)
    (args.out / "compression.json").write_text(json.dumps({"cpu": cpu, "rows": rows}, indent=2) + "\n")
    with open(args.out / "compression.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(table)
    print(args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SMARTCAMRT_ASSETS", str(REPO.parent / "shared" / "assets"))
    sys.exit(main())
