"""Benchmark (issue 8, item 6): one compression table -- fp32, fp16, int8 per runtime, QAT, pruned, distilled
-- in one sitting: file size, parameters, FLOPs, raw session latency on every runtime that can run each
artifact (``smartcamrt bench``), and COCO mAP50-95 / mAP50 on coco128's evaluation split (``smartcamrt eval
--record``, or the manifest's recorded accuracy with ``--no-eval``).

    flock /tmp/smartcamrt-heavy.lock .venv/bin/python scripts/bench/compression.py \
        --baseline ~/.cache/smartcamrt/models/yolov5n-320.{onnx,tflite,pte} \
        $M/yolov5n-320.openvino.xml $M/yolov5n-320.fp16.{tflite,openvino.xml} \
        $M/yolov5n-320.int8.* $M/yolov5n-qat-320.int8.pte ~/.cache/smartcamrt/compression/*.onnx \
        [--runs 100] [--rounds 3] [--threads 2] [--no-eval] [--out runs/compression]

Runtimes by file type: ``.onnx`` on ort and openvino, ``.xml`` (OpenVINO IR) on openvino, ``.tflite`` on
litert, ``.pte`` on executorch (``--runtimes`` keeps a subset). Each runtime's ratios are against the first
``--baseline`` it can run (the fp32 export in its format). Besides the table it draws mAP50-95 against p50
latency, one PNG per runtime (compression-<runtime>.png), and writes a JSON a report generator finds by
its ``kind`` ("compression-table") with the command, the time and the machine.

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
import datetime as dt
import json
import os
import shlex
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


RUNTIMES_BY_SUFFIX = {".onnx": ["ort", "openvino"], ".xml": ["openvino"], ".tflite": ["litert"]}
RUNTIMES_BY_SUFFIX[".pte"] = ["executorch"]


def runtimes_for(model: Path) -> list[str]:
    return RUNTIMES_BY_SUFFIX.get(model.suffix.lower(), [])


def describe(model: Path, meta: dict) -> dict:
    record = meta.get("compression")
    imgsz = meta["input"]["shape"][2]
    pruned = record is not None and "method" in record and "pruned" in record
    try:
        cost = record["pruned"] if pruned else base_cost(meta, imgsz)
    except Exception:  # a source that is not a checkpoint (QAT weights): no count rather than a wrong one
        cost = {"params": None, "gflops": None}
    fmt = meta.get("format", model.suffix.lstrip("."))
    if not pruned:
        variant = fmt + (" (QAT)" if record is not None else "")
        if meta.get("precision") == "fp32":
            variant += " fp32"
        elif meta.get("precision") == "fp16":
            variant += " (fp16 weights)"
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
        if fmt != "onnx":
            variant += f" ({fmt})"
    return {
        "model": model.name,
        "variant": variant,
        "input": imgsz,
        "params": cost["params"],
        "gflops": cost["gflops"],
        "format": fmt,
        "precision": meta.get("precision"),
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


def machine() -> dict:
    cpu = cpu_line()
    info = Path("/proc/cpuinfo").read_text().splitlines()
    name = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni")
    return {"cpu": name, "flags": [f for f in wanted if f in flags], "cores": os.cpu_count(), "line": cpu}


def plot(rows: list[dict], runtime: str, path: Path, cpu: str) -> bool:
    """mAP50-95 against p50 latency on ``runtime``, one labelled point per artifact."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [r for r in rows if r.get(f"{runtime}_p50_ms") is not None and r.get("mAP50-95") is not None]
    if not points:
        return False
    fig, ax = plt.subplots(figsize=(11, 5.5))
    for number, row in enumerate(points, 1):  # numbered points, names in the legend: labels never collide
        x, y = row[f"{runtime}_p50_ms"], row["mAP50-95"]
        marker = {"int8": "s", "fp16": "D"}.get(row["precision"], "^" if "prune" in row["model"] else "o")
        ax.scatter(x, y, marker=marker, s=40, label=f"{number}: {row['variant']}")
        ax.annotate(str(number), (x, y), fontsize=8, xytext=(4, 3), textcoords="offset points")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_xlabel(f"p50 latency on {runtime}, ms (lower is better)")
    ax.set_ylabel("mAP50-95, coco128 eval split (64 images)")
    ax.set_title(f"YOLOv5n compression: accuracy vs latency ({runtime})\n{cpu}", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+", type=Path, help="artifacts (.onnx, .xml, .tflite, .pte)")
    parser.add_argument(
        "--baseline",
        required=True,
        action="append",
        type=Path,
        help="an fp32 export, the ratios' reference on the runtimes that run it (repeat for each format)",
    )
    parser.add_argument("--runtimes", nargs="+", default=["ort", "openvino", "litert", "executorch"])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-eval", action="store_true", help="take mAP from each manifest's accuracy")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "compression")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    models: list[Path] = []
    for model in [*args.baseline, *args.models]:
        model = model.expanduser().resolve()
        if model in models:
            continue
        if not model.is_file():
            parser.error(f"no such file: {model}")
        if not runtimes_for(model):
            parser.error(f"{model.name}: no runtime here runs this file type")
        models.append(model)
    baselines = [b.expanduser().resolve() for b in args.baseline]
    reference = {
        r: next((models.index(b) for b in baselines if r in runtimes_for(b)), None) for r in args.runtimes
    }

    rows = [describe(m, manifest(m)) for m in models]
    for row, model in zip(rows, models, strict=True):
        if args.no_eval:
            accuracy = manifest(model).get("accuracy", {})
            row.update({"mAP50-95": accuracy.get("mAP50-95"), "mAP50": accuracy.get("mAP50")})
        else:
            print(f"eval {model.name}", file=sys.stderr, flush=True)
            row.update(evaluate(model, args.out))
    samples: dict[tuple[int, str], list[float]] = {}
    jobs = [(i, r) for r in args.runtimes for i, m in enumerate(models) if r in runtimes_for(m)]
    for round_ in range(args.rounds):
        for index, runtime in jobs:
            print(
                f"bench round {round_ + 1}/{args.rounds} {runtime} {models[index].name}",
                file=sys.stderr,
                flush=True,
            )
            samples.setdefault((index, runtime), []).append(
                bench(models[index], runtime, args.runs, args.threads)
            )
    used = [r for r in args.runtimes if any(key[1] == r for key in samples)]
    for index, row in enumerate(rows):
        for runtime in used:
            p50 = statistics.median(samples[(index, runtime)]) if (index, runtime) in samples else None
            ref = reference[runtime]
            base = statistics.median(samples[(ref, runtime)]) if ref is not None else None
            row[f"{runtime}_p50_ms"] = round(p50, 2) if p50 is not None else None
            row[f"{runtime}_speedup"] = round(base / p50, 2) if p50 is not None and base else None
    fp32_map = rows[0]["mAP50-95"]
    for row in rows:
        row["mAP50-95_drop_points"] = (
            round((fp32_map - row["mAP50-95"]) * 100, 2)
            if row["mAP50-95"] is not None and fp32_map is not None
            else None
        )

    host = machine()
    cpu = host["line"]

    def number(value, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    header = ["variant", "input", "params", "GFLOPs", "size MB"]
    header += [f"{r} p50 ms (x fp32)" for r in used] + ["mAP50-95", "mAP50", "drop (pts)"]
    lines = [f"CPU: {cpu}; {args.threads} threads, {args.runs} runs x {args.rounds} rounds (median p50)", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            row["variant"],
            str(row["input"]),
            number(row["params"], ","),
            number(row["gflops"], ".3f"),
            f"{row['size_mb']:.2f}",
        ]
        for r in used:
            p50, ratio = row[f"{r}_p50_ms"], row[f"{r}_speedup"]
            cells.append("–" if p50 is None else f"{p50:.2f} ({number(ratio, '.2f')}x)")
        cells += [number(row["mAP50-95"], ".4f"), number(row["mAP50"], ".4f")]
        cells.append(number(row["mAP50-95_drop_points"], "+.2f"))
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines) + "\n"
    (args.out / "compression.md").write_text(table)
    plots = [f"compression-{r}.png" for r in used if plot(rows, r, args.out / f"compression-{r}.png", cpu)]
    document = {
        "kind": "compression-table",
        "command": shlex.join(sys.argv),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpu": host["cpu"], "flags": host["flags"], "cores": host["cores"]},
        "threads": args.threads,
        "runs": args.runs,
        "rounds": args.rounds,
        "accuracy": "manifest (--no-eval)" if args.no_eval else "smartcamrt eval --record",
        "baselines": {
            r: (models[i].name if i is not None else None) for r, i in reference.items() if r in used
        },
        "plots": plots,
        "rows": rows,
    }
    (args.out / "compression.json").write_text(json.dumps(document, indent=2) + "\n")
    fields = sorted(
        {key for row in rows for key in row}, key=lambda k: list(rows[0]).index(k) if k in rows[0] else 99
    )
    with open(args.out / "compression.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(table)
    print(args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SMARTCAMRT_ASSETS", str(REPO.parent / "shared" / "assets"))
    sys.exit(main())
