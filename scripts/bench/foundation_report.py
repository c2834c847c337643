"""Report for scripts/bench/foundation.sh: reads the bench JSONs and run summaries in one folder and
writes report.md and report.json beside them (and prints the Markdown)."""

import json
import sys
from pathlib import Path

RUNS = ("cpp-realtime", "python-realtime", "cpp-fast", "python-fast")


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def row(label: str, stats: dict) -> str:
    return f"| {label} | {stats['p50']:.2f} | {stats['p90']:.2f} | {stats['p99']:.2f} | {stats['mean']:.2f} |"


def main(folder: str) -> None:
    out = Path(folder)
    before, after = load(out / "bench-before.json"), load(out / "bench-after.json")
    runs = {name: load(out / name / "summary.json") for name in RUNS}
    host = runs["cpp-realtime"]["host"]
    bench_p50 = min(before["latency_ms"]["p50"], after["latency_ms"]["p50"])
    cpp, python = runs["cpp-realtime"]["stages"], runs["python-realtime"]["stages"]
    figures = {
        "machine": f"{host['cpu_model']}, {host['cores']} cores, {host['os']}",
        "threads": before["threads"],
        "onnxruntime": before["runtime_version"],
        "bench_p50_ms_before": before["latency_ms"]["p50"],
        "bench_p50_ms_after": after["latency_ms"]["p50"],
        "cpp_e2e_p50_ms": cpp["e2e_ms"]["p50"],
        "cpp_infer_p50_ms": cpp["infer_ms"]["p50"],
        "python_e2e_p50_ms": python["e2e_ms"]["p50"],
        "python_infer_p50_ms": python["infer_ms"]["p50"],
        "cpp_e2e_over_bench_p50": cpp["e2e_ms"]["p50"] / bench_p50,
        "cpp_over_python_e2e_p50": cpp["e2e_ms"]["p50"] / python["e2e_ms"]["p50"],
        "cpp_fast_fps": runs["cpp-fast"]["fps"],
        "python_fast_fps": runs["python-fast"]["fps"],
    }
    lines = [
        f"Machine: {figures['machine']}; ONNX Runtime {figures['onnxruntime']}; "
        f"threads {figures['threads']}; yolov5n 640 fp32; vtest.avi 768x576 @ 10 fps.",
        "",
        "| measurement | p50 ms | p90 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|",
        row("raw session (`smartcamrt bench`), before", before["latency_ms"]),
        row("raw session (`smartcamrt bench`), after", after["latency_ms"]),
        row("C++ engine, real-time, inference", cpp["infer_ms"]),
        row("C++ engine, real-time, end to end", cpp["e2e_ms"]),
        row("Python reference loop, real-time, inference", python["infer_ms"]),
        row("Python reference loop, real-time, end to end", python["e2e_ms"]),
        "",
        "| ratio | value |",
        "|---|---|",
        f"| C++ e2e p50 / raw session p50 (target <= 1.15) | {figures['cpp_e2e_over_bench_p50']:.3f} |",
        f"| C++ / Python end-to-end p50 (real-time) | {figures['cpp_over_python_e2e_p50']:.3f} |",
        f"| capacity FPS, C++ / Python (as fast as possible) | {figures['cpp_fast_fps']:.2f} / "
        f"{figures['python_fast_fps']:.2f} = {figures['cpp_fast_fps'] / figures['python_fast_fps']:.3f} |",
        f"| frames dropped in real time, C++ / Python | {runs['cpp-realtime']['frames']['dropped']} / "
        f"{runs['python-realtime']['frames']['dropped']} |",
    ]
    report = "\n".join(lines) + "\n"
    (out / "report.md").write_text(report)
    (out / "report.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(report)
    print(out)


if __name__ == "__main__":
    main(sys.argv[1])
