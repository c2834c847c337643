"""Benchmark (issue 10, item 6): the CNN, the LSTM and the transformer side by side, per runtime.

    flock /tmp/smartcamrt-heavy.lock .venv/bin/python scripts/bench/models.py [--out runs/bench-models]
        [--threads 1 2] [--lengths 8 16 32 64 128] [--texts 20] [--dev-texts 200] [--frames 40]
        [--rounds 2] [--only TEXT ...] [--figures docs/figures/models]
    (scripts/bench/models.sh exports the yolov5n rows first if the model cache lacks them)

Models (from $SMARTCAMRT_HOME/models; a missing file is left out and named): yolov5n at 640 and 320
(ONNX on ONNX Runtime and on OpenVINO, TFLite on LiteRT, .pte on ExecuTorch), sst2-lstm and
sst2-minilm (ONNX fp32 and int8 on ONNX Runtime and OpenVINO, TFLite fixed at 128 on LiteRT, .pte on
ExecuTorch: MiniLM dynamic up to 128, the LSTM fixed at 128).

Everything is measured by the C++ engine:
- `smartcamrt run` (no pacing, no saved images, resources every 20 ms) on vtest.avi (--frames) for the
  detectors and on the first --dev-texts SST-2 dev sentences for the text models; frames.csv gives
  the first inference (row 0) and p50/p99 of the others, pre/e2e; summary.json the peak RSS and the
  mean CPU of the process (% of one core);
- `smartcamrt bench --runs 3 --warmup 0`: init (session creation: load, graph optimisation, compile);
- latency against sequence length: texts of exactly 8..128 tokens for each model's own tokenizer
  (token_texts.py), --texts of them per length and thread count; the engine's `input` column is
  checked to be seq<L> for the dynamic-length models (the fixed-length ones say seq128).
Parameters and FLOPs from the ONNX graph at the shapes each run used (onnx_cost.py).
Each thread count and length runs every model back to back (interleaved), --rounds times; figures are
the median over rounds. Writes models.{md,csv,json}, lengths.csv and the PNGs into --out
(runs/bench-models by default) and copies the PNGs to --figures when given.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import shlex
import shutil
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from engine_runs import column, machine, machine_line, percentile, read_frames, read_summary, run_engine
from onnx_cost import model_cost
from token_texts import exact_length_texts, write_texts
from tqdm import tqdm

from smartcamrt_tools.assets import resolve_asset
from smartcamrt_tools.benchmark import engine
from smartcamrt_tools.text.data import load_split

REPO = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("SMARTCAMRT_HOME", Path.home() / ".cache" / "smartcamrt")) / "models"


@dataclass(frozen=True)
class Config:
    family: str  # yolov5n-640, yolov5n-320, lstm, minilm
    artifact: Path
    runtime: str
    precision: str
    fixed_length: int | None  # text models: the padded length of a fixed-length export
    onnx_twin: Path  # the ONNX graph of the same network, for parameters and FLOPs

    @property
    def text(self) -> bool:
        return not self.family.startswith("yolov5n")

    @property
    def name(self) -> str:
        return f"{self.artifact.name} @ {self.runtime}"


def configs() -> tuple[list[Config], list[str]]:
    """Every (artifact, runtime) pair this model cache has, and the ones it lacks."""
    wanted = []
    for size in (640, 320):
        onnx_file = MODELS / f"yolov5n-{size}.onnx"
        for suffix, runtime in (
            (".onnx", "ort"),
            (".onnx", "openvino"),
            (".tflite", "litert"),
            (".pte", "executorch"),
        ):
            wanted.append((f"yolov5n-{size}", MODELS / f"yolov5n-{size}{suffix}", runtime, onnx_file))
    for family, stem in (("lstm", "sst2-lstm"), ("minilm", "sst2-minilm")):
        onnx_file = MODELS / f"{stem}.onnx"
        for suffix, runtime in (
            (".onnx", "ort"),
            (".onnx", "openvino"),
            (".int8.onnx", "ort"),
            (".int8.onnx", "openvino"),
            (".tflite", "litert"),
            (".pte", "executorch"),
        ):
            wanted.append((family, MODELS / f"{stem}{suffix}", runtime, onnx_file))
    found, missing = [], []
    for family, artifact, runtime, onnx_file in wanted:
        manifest_path = artifact.with_name(artifact.name + ".json")
        if not artifact.is_file() or not manifest_path.is_file():
            missing.append(f"{artifact.name} ({runtime})")
            continue
        manifest = json.loads(manifest_path.read_text())
        length = (manifest.get("input") or {}).get("length") if family in ("lstm", "minilm") else None
        found.append(Config(family, artifact, runtime, manifest.get("precision", "fp32"), length, onnx_file))
    return found, missing


def model_size_mb(config: Config) -> float:
    """The artifact and, for a text model, its vocabulary (the engine needs both)."""
    size = config.artifact.stat().st_size
    if config.text:
        manifest = json.loads(config.artifact.with_name(config.artifact.name + ".json").read_text())
        size += (config.artifact.parent / manifest["tokenizer"]["vocab"]).stat().st_size
    return size / 1e6


def dev_accuracy(config: Config) -> float | None:
    """A text model's SST-2 dev accuracy from its manifest (text_dev.py measures it through the engine)."""
    if not config.text:
        return None
    manifest = json.loads(config.artifact.with_name(config.artifact.name + ".json").read_text())
    return (manifest.get("accuracy") or {}).get("accuracy")


def timing_of(folder: Path) -> dict:
    """Per-item figures of one run: first inference, then p50/p99 of the rest, from frames.csv; peak
    RSS and mean CPU from summary.json."""
    rows = read_frames(folder)
    summary = read_summary(folder)
    infer = column(rows, "infer_ms")
    rest = infer[1:]
    resources = summary.get("resources", {})
    return {
        "items": len(rows),
        "first_infer_ms": float(infer[0]),
        "p50_ms": percentile(rest, 50),
        "p99_ms": percentile(rest, 99),
        "pre_p50_ms": percentile(column(rows, "pre_ms")[1:], 50),
        # e2e less the wait in the queue: the engine reads ahead of inference (items queue behind the
        # one being answered), so this is read/decode to answer for one item
        "item_p50_ms": percentile((column(rows, "e2e_ms") - column(rows, "queue_ms"))[1:], 50),
        "rss_max_mb": (resources.get("rss_mb") or {}).get("max"),
        "cpu_mean_pct": (resources.get("cpu_proc_pct") or {}).get("mean"),
        "inputs": sorted({row["input"] for row in rows}),
    }


def median_of(rounds: list[dict]) -> dict:
    merged = dict(rounds[0])
    for key, value in rounds[0].items():
        if isinstance(value, float):
            values = [r[key] for r in rounds if r.get(key) is not None]
            merged[key] = statistics.median(values) if values else None
    merged["rounds"] = len(rounds)
    return merged


def prepare_inputs(cfgs: list[Config], out: Path, lengths: list[int], texts: int, dev_texts: int) -> dict:
    """The source of every (family, length): a video for the detectors, text files for the others."""
    sources: dict[tuple[str, int | None], Path] = {}
    video = resolve_asset("video", "vtest.avi")
    dev = load_split("dev").sentences[:dev_texts]
    inputs = out / "inputs"
    for config in cfgs:
        if not config.text:
            sources[(config.family, None)] = video
            continue
        if (config.family, None) in sources:
            continue
        sources[(config.family, None)] = write_texts(inputs / "sst2-dev.txt", dev)
        twin = config.onnx_twin  # the tokenizer is the family's, whatever the format
        for length in lengths:
            sources[(config.family, length)] = write_texts(
                inputs / f"{config.family}-{length}.txt", exact_length_texts(twin, length, texts)
            )
    return sources


def measure(
    args: argparse.Namespace, cfgs: list[Config], sources: dict, out: Path
) -> tuple[list[dict], list[dict]]:
    """All runs, interleaved: for each round, thread count and input, every model once."""
    jobs = []
    for round_index in range(args.rounds):
        for threads in args.threads:
            for config in cfgs:
                jobs.append((round_index, threads, config, None))
            for length in args.lengths:
                for config in cfgs:
                    if config.text:
                        jobs.append((round_index, threads, config, length))
    main: dict[tuple, list[dict]] = {}
    sweep: dict[tuple, list[dict]] = {}
    for round_index, threads, config, length in tqdm(jobs, desc="engine runs", unit="run"):
        source = sources[(config.family, length)]
        tag = f"r{round_index}-t{threads}-{config.artifact.name}-{config.runtime}-{length or 'main'}"
        folder = run_engine(
            config.artifact,
            config.runtime,
            source,
            threads,
            out / "runs" / tag,
            frames=0 if config.text else args.frames,
        )
        figures = timing_of(folder)
        if length is None:
            main.setdefault((config, threads), []).append(figures)
        else:
            if config.fixed_length is None and figures["inputs"] != [f"seq{length}"]:
                raise RuntimeError(f"{tag}: the engine fed {figures['inputs']}, not seq{length}")
            sweep.setdefault((config, threads, length), []).append(figures)
    inits = {}
    for threads in args.threads:
        for config in tqdm(cfgs, desc=f"init, {threads} thread(s)", unit="model"):
            inits[(config, threads)] = engine.bench(config.artifact, config.runtime, threads, 3, 0)
    costs = cost_table(cfgs, args.lengths)
    rows = []
    for (config, threads), rounds in main.items():
        figures = median_of(rounds)
        length = None
        if config.text:  # FLOPs at the median length fed (dynamic) or at the padded length
            length = config.fixed_length or int(statistics.median(int(i[3:]) for i in figures["inputs"]))
        cost = cost_at(costs, config, length)
        bench = inits[(config, threads)]
        rows.append(
            {
                "family": config.family,
                "model": config.artifact.name,
                "runtime": config.runtime,
                "precision": config.precision,
                "length": "fixed 128" if config.fixed_length else ("dynamic" if config.text else "image"),
                "threads": threads,
                "size_mb": model_size_mb(config),
                "parameters_m": cost["parameters"] / 1e6,
                "gflops": cost["flops"] / 1e9,
                "flops_at": f"seq{length}" if config.text else config.family.split("-")[1],
                "accuracy": dev_accuracy(config),
                "metric": "SST-2 dev accuracy (manifest)" if config.text else "",
                "init_ms": bench["init_ms"],
                **{k: v for k, v in figures.items() if k != "inputs"},
            }
        )
    lengths_rows = []
    for (config, threads, length), rounds in sweep.items():
        figures = median_of(rounds)
        fed = config.fixed_length or length
        lengths_rows.append(
            {
                "family": config.family,
                "model": config.artifact.name,
                "runtime": config.runtime,
                "precision": config.precision,
                "threads": threads,
                "tokens": length,
                "fed": fed,
                "gflops": cost_at(costs, config, fed)["flops"] / 1e9,
                "attention_gflops": cost_at(costs, config, fed)["attention_flops"] / 1e9,
                **{k: v for k, v in figures.items() if k != "inputs"},
            }
        )
    return rows, lengths_rows


def cost_at(costs: dict, config: Config, length: int | None) -> dict:
    """Parameters and FLOPs of the config's network at one length, counted once."""
    key = (config.family, length)
    if key not in costs:
        cost = model_cost(config.onnx_twin, [length])
        costs[key] = cost["by_length"][0] | {"parameters": cost["parameters"]}
    return costs[key]


def cost_table(cfgs: list[Config], lengths: list[int]) -> dict:
    """(family, length) -> parameters and FLOPs; length None for a detector."""
    costs = {}
    for family in dict.fromkeys(c.family for c in cfgs):
        twin = next(c.onnx_twin for c in cfgs if c.family == family)
        text = not family.startswith("yolov5n")
        wanted = sorted(set(lengths) | {128}) if text else [None]
        cost = model_cost(twin, wanted)
        for entry in cost["by_length"]:
            costs[(family, entry["length"])] = entry | {"parameters": cost["parameters"]}
    return costs


COLUMNS = (
    ("model", "model", "{}"),
    ("runtime", "runtime", "{}"),
    ("precision", "precision", "{}"),
    ("length", "input", "{}"),
    ("threads", "threads", "{}"),
    ("size_mb", "size MB", "{:.1f}"),
    ("parameters_m", "params M", "{:.2f}"),
    ("gflops", "GFLOPs/item", "{:.3f}"),
    ("flops_at", "at", "{}"),
    ("init_ms", "init ms", "{:.0f}"),
    ("first_infer_ms", "first infer ms", "{:.1f}"),
    ("p50_ms", "infer p50 ms", "{:.2f}"),
    ("p99_ms", "infer p99 ms", "{:.2f}"),
    ("pre_p50_ms", "pre p50 ms", "{:.3f}"),
    ("item_p50_ms", "read to answer p50 ms", "{:.2f}"),
    ("rss_max_mb", "peak RSS MB", "{:.0f}"),
    ("cpu_mean_pct", "CPU % (1 core = 100)", "{:.0f}"),
)


def cell(row: dict, key: str, fmt: str) -> str:
    value = row.get(key)
    return "" if value is None else fmt.format(value)


def markdown(rows: list[dict], lengths_rows: list[dict], document: dict) -> str:
    lines = [
        f"Machine: {machine_line(document['machine'])}. "
        f"Command: `{document['command']}` ({document['created']}).",
        f"Items per run: {document['settings']['frames']} video frames (vtest.avi) or the first "
        f"{document['settings']['dev_texts']} SST-2 dev sentences; p50/p99 over all but the first inference; "
        f"rounds: {document['settings']['rounds']} (median).",
        "",
        "| " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(cell(row, key, fmt) for key, _, fmt in COLUMNS) + " |" for row in rows]
    lines += ["", "Inference p50 ms against tokens fed (first-inference ms in brackets):", ""]
    lengths = sorted({r["tokens"] for r in lengths_rows})
    lines += [
        "| model | runtime | threads | " + " | ".join(str(n) for n in lengths) + " |",
        "|" + "---|" * (3 + len(lengths)),
    ]
    by_key: dict[tuple, dict] = {}
    for r in lengths_rows:
        by_key.setdefault((r["model"], r["runtime"], r["threads"]), {})[r["tokens"]] = r
    for (model, runtime, threads), cells in by_key.items():
        values = [
            f"{cells[n]['p50_ms']:.2f} ({cells[n]['first_infer_ms']:.1f})" if n in cells else ""
            for n in lengths
        ]
        lines.append(f"| {model} | {runtime} | {threads} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def write_csv(path: Path, rows: list[dict]) -> None:
    keys = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench-models")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--lengths", type=int, nargs="+", default=[8, 16, 32, 64, 128])
    parser.add_argument("--texts", type=int, default=20, help="texts per length (default 20)")
    parser.add_argument("--dev-texts", type=int, default=200, help="SST-2 dev sentences per text run")
    parser.add_argument("--frames", type=int, default=40, help="video frames per detector run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved passes; the median is kept")
    parser.add_argument(
        "--only", nargs="+", default=None, help="only 'model @ runtime' names holding one of these strings"
    )
    parser.add_argument("--figures", type=Path, default=None, help="also copy the PNGs here (e.g. docs)")
    args = parser.parse_args()

    cfgs, missing = configs()
    if args.only:  # a focused re-measurement: only the configurations whose name holds one of these
        cfgs = [c for c in cfgs if any(text in c.name for text in args.only)]
    if not cfgs:
        sys.exit(f"models.py: no model in {MODELS}: run scripts/bench/models.sh or smartcamrt train-text")
    if missing:
        print("left out (not in the model cache): " + ", ".join(missing), file=sys.stderr)
    out = args.out
    if (out / "runs").exists():
        shutil.rmtree(out / "runs")
    out.mkdir(parents=True, exist_ok=True)
    sources = prepare_inputs(cfgs, out, args.lengths, args.texts, args.dev_texts)
    rows, lengths_rows = measure(args, cfgs, sources, out)
    document = {
        "kind": "model-comparison",
        "command": shlex.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "engine": engine.info()["smartcamrt"],
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "left_out": missing,
        "flops_method": "onnx_cost.py: shapes from one ONNX Runtime run with every tensor exposed; "
        "FLOPs = 2 x MACs of Conv/MatMul/Gemm/LSTM",
        "rows": rows,
        "lengths": lengths_rows,
    }
    (out / "models.json").write_text(json.dumps(document, indent=2) + "\n")
    write_csv(out / "models.csv", rows)
    write_csv(out / "lengths.csv", lengths_rows)
    (out / "models.md").write_text(markdown(rows, lengths_rows, document))
    from models_plots import plot_all  # matplotlib only once the figures exist

    for png in plot_all(document, out):
        if args.figures:
            args.figures.mkdir(parents=True, exist_ok=True)
            shutil.copy(png, args.figures / png.name)
    print((out / "models.md").read_text())
    print(out)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
