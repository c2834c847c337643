"""int8 against fp32 per runtime, measured with the engine.

``python -m smartcamrt_tools.quantization.speedup [--stem yolov5n-320]``.

For each runtime, the fp32 and int8 artifacts of the same model and size are timed by ``smartcamrt bench``
(raw session latency, 2 threads) in one sitting, *interleaved* (fp32, int8, fp32, int8, ...) for
``--rounds`` rounds, so that load from other jobs falls on both alike; the speed-up is the ratio of the
medians of the per-round p50s, with the spread of the per-round ratios. The CPU (model name and the
8-bit-relevant flags) is written with the figures. Output: JSON and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tqdm import tqdm

from ..assets import smartcamrt_home
from .isa import read_host_cpu

PAIRS = {  # runtime: (fp32 suffix, int8 suffix)
    "ort": (".onnx", ".int8.onnx"),
    "executorch": (".pte", ".int8.pte"),
    "litert": (".tflite", ".int8.tflite"),
    "openvino": (".openvino.xml", ".int8.openvino.xml"),
}


def bench(binary: str, model: Path, runs: int, warmup: int, threads: int) -> float:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [binary, "bench", "--model", str(model), "--runs", str(runs), "--warmup", str(warmup),
             "--threads", str(threads), "--json", out.name],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        document = json.loads(Path(out.name).read_text())
    return float(_p50(document))


def _p50(document: dict) -> float:
    for key in ("p50_ms", "latency_p50_ms"):
        if key in document:
            return document[key]
    for value in document.values():
        if isinstance(value, dict):
            for key in ("p50_ms", "p50"):
                if key in value:
                    return value[key]
    raise KeyError(f"no p50 in {sorted(document)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stem", default="yolov5n-320")
    parser.add_argument("--models", default=str(smartcamrt_home() / "models"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--binary", default="smartcamrt")
    parser.add_argument("--out", default="runs/int8-speedup")
    args = parser.parse_args(argv)
    models = Path(args.models)
    pairs = {
        runtime: (models / f"{args.stem}{fp32}", models / f"{args.stem}{int8}")
        for runtime, (fp32, int8) in PAIRS.items()
    }
    missing = [str(p) for pair in pairs.values() for p in pair if not p.is_file()]
    for path in missing:
        print(f"skipped (not exported): {path}", file=sys.stderr)
    pairs = {r: pair for r, pair in pairs.items() if all(p.is_file() for p in pair)}
    times: dict[str, dict[str, list[float]]] = {r: {"fp32": [], "int8": []} for r in pairs}
    with tqdm(total=args.rounds * 2 * len(pairs), desc="int8 speed-up", unit="bench", file=sys.stderr) as bar:
        for _ in range(args.rounds):
            for runtime, (fp32, int8) in pairs.items():
                for label, model in (("fp32", fp32), ("int8", int8)):
                    times[runtime][label].append(
                        bench(args.binary, model, args.runs, args.warmup, args.threads)
                    )
                    bar.update(1)
    host = read_host_cpu()
    rows = []
    for runtime, series in times.items():
        ratios = [f / i for f, i in zip(series["fp32"], series["int8"], strict=True)]
        rows.append(
            {
                "runtime": runtime,
                "fp32": pairs[runtime][0].name,
                "int8": pairs[runtime][1].name,
                "fp32_p50_ms": round(statistics.median(series["fp32"]), 2),
                "int8_p50_ms": round(statistics.median(series["int8"]), 2),
                "speedup": round(statistics.median(series["fp32"]) / statistics.median(series["int8"]), 3),
                "speedup_min": round(min(ratios), 3),
                "speedup_max": round(max(ratios), 3),
                "rounds": series,
            }
        )
    document = {
        "cpu": host.describe(),
        "threads": args.threads,
        "method": f"smartcamrt bench, {args.rounds} interleaved rounds x {args.runs} runs "
        f"({args.warmup} warm-up)",
        "rows": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "speedup.json").write_text(json.dumps(document, indent=2) + "\n")
    lines = [
        f"CPU: {document['cpu']}; {document['method']}, {args.threads} threads",
        "",
        "| runtime | fp32 p50 ms | int8 p50 ms | speed-up (min-max over rounds) |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['runtime']} | {row['fp32_p50_ms']} | {row['int8_p50_ms']} | "
            f"{row['speedup']:.2f}x ({row['speedup_min']:.2f}-{row['speedup_max']:.2f}) |"
        )
    (out / "speedup.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
