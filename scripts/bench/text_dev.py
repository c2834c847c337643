"""Measured (issue 10): the SST-2 text models on all 872 dev sentences through the C++ engine, against
Python.

    flock /tmp/smartcamrt-heavy.lock .venv/bin/python scripts/bench/text_dev.py [--out runs/text-dev]
        [--threads 2] [--force] [--figures docs/figures/models]

For every trained artifact in $SMARTCAMRT_HOME/models (sst2-lstm, sst2-lstm-distilled, sst2-minilm in
ONNX fp32/int8, TFLite, ExecuTorch) on its own runtime, and the ONNX files on OpenVINO too:
- `smartcamrt run --source dev.tsv`: dev accuracy (predictions.jsonl against the labels), tokenisation
  per text (frames.csv `pre_ms`), inference and end to end per text (`e2e_ms`: read to answer);
- the same artifact in Python, through the same runtime's Python API (ONNX Runtime, OpenVINO, the
  LiteRT interpreter, ExecuTorch's runtime; the text models' export runners) and the Python reference
  tokenizers: prediction agreement with the engine (same label) and the largest probability difference;
- for the ONNX files, the Python reference loop (`smartcamrt ref-run`, ONNX Runtime, same threads):
  its agreement with the engine and its end-to-end and tokenisation time per text, the comparison the
  C++ tokenizer is for.
The result is cached: a second call with the same artifacts, dev file, threads and script prints the
stored table, saying so if the engine binary changed since (--force measures again). Writes
text-dev.{md,json} and text-dev.png into --out.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from engine_runs import column, machine, machine_line, percentile, read_frames, read_predictions, run_engine
from tqdm import tqdm

from smartcamrt_tools.benchmark.engine import engine_binary
from smartcamrt_tools.text.data import load_split, read_tsv

REPO = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("SMARTCAMRT_HOME", Path.home() / ".cache" / "smartcamrt")) / "models"
ARTIFACTS = (
    "sst2-lstm.onnx", "sst2-lstm.int8.onnx", "sst2-lstm.tflite", "sst2-lstm.pte", "sst2-lstm-distilled.onnx",
    "sst2-minilm.onnx", "sst2-minilm.int8.onnx", "sst2-minilm.tflite", "sst2-minilm.pte",
)  # fmt: skip


def rows_to_measure() -> tuple[list[tuple[Path, str, dict]], list[str]]:
    found, missing = [], []
    for name in ARTIFACTS:
        artifact = MODELS / name
        manifest_path = artifact.with_name(name + ".json")
        if not artifact.is_file() or not manifest_path.is_file():
            missing.append(name)
            continue
        manifest = json.loads(manifest_path.read_text())
        found.append((artifact, manifest["runtime"], manifest))
        if artifact.suffix == ".onnx":
            found.append((artifact, "openvino", manifest))
    return found, missing


def cache_key(rows: list[tuple[Path, str, dict]], dev: Path, threads: int) -> str:
    digest = hashlib.sha256()
    for artifact, runtime, manifest in rows:
        digest.update(f"{artifact.name}:{runtime}:{manifest.get('sha256')}\n".encode())
    digest.update(hashlib.sha256(dev.read_bytes()).hexdigest().encode())
    digest.update(f"{threads}".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def engine_digest() -> str:
    """The engine binary's hash: recorded, and compared on a cache hit (a rebuilt engine is named, not
    re-measured: other work rebuilds it often, and the answers depend on the artifacts)."""
    binary = Path(engine_binary())
    return hashlib.sha256(binary.read_bytes()).hexdigest() if binary.is_file() else "?"


def openvino_runner(artifact: Path, static_length: int | None):
    import openvino as ov

    from smartcamrt_tools.text.formats import pad_to

    # f32 as the engine asks (on a CPU with AMX or AVX512-BF16 OpenVINO would otherwise pick bf16)
    compiled = ov.Core().compile_model(str(artifact), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    names = [port.get_any_name() for port in compiled.inputs]

    def run(ids):
        input_ids, mask = pad_to(ids, static_length)
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        return np.asarray(compiled({name: feeds[name] for name in names})[compiled.outputs[0]])[0]

    return run


def python_probs(artifact: Path, runtime: str, manifest: dict, sentences: list[str]) -> np.ndarray:
    """Softmax of the artifact's logits through its runtime's Python API, one text at a time."""
    from smartcamrt_tools.text.formats import get_text_format
    from smartcamrt_tools.text.tokenizer import load_tokenizer

    encode = load_tokenizer(manifest, artifact.parent)
    length = (manifest.get("input") or {}).get("length")
    if runtime == "openvino":
        run = openvino_runner(artifact, length)
    else:
        run = get_text_format(manifest["format"]).open_runner(artifact, length)
    probs = []
    for sentence in tqdm(sentences, desc=f"python {artifact.name} @ {runtime}", unit="text", leave=False):
        logits = np.asarray(run(encode(sentence)), dtype=np.float64)
        shifted = np.exp(logits - logits.max())
        probs.append(shifted / shifted.sum())
    return np.array(probs)


def engine_probs(folder: Path, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities by dev index, and which indices the engine answered."""
    probs = np.full((count, 2), np.nan)
    for line in read_predictions(folder):
        probs[line["index"]] = line["probs"]
    return probs, ~np.isnan(probs[:, 0])


def ref_run(artifact: Path, dev: Path, threads: int, out: Path) -> Path:
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([str(REPO / ".venv" / "bin" / "smartcamrt-tools"), "ref-run", "--model", str(artifact),
                    "--source", str(dev), "--threads", str(threads), "--out", str(out)],
                   check=True, capture_output=True, text=True)  # fmt: skip
    return out


def per_text(folder: Path) -> dict:
    """Per-text times of a run folder. `service` is e2e less the time the text waited in the queue:
    the engine reads a file ahead of inference (texts queue behind the one being answered), the Python
    loop reads one text when it is ready for it, so only e2e - queue compares the two; `wall` is the
    run's duration per text (throughput: the engine overlaps reading and tokenising with inference)."""
    rows = read_frames(folder)
    summary = json.loads((folder / "summary.json").read_text())
    service = column(rows, "e2e_ms") - column(rows, "queue_ms")
    return {
        "pre_p50_ms": percentile(column(rows, "pre_ms"), 50),
        "pre_mean_ms": float(column(rows, "pre_ms").mean()),
        "infer_p50_ms": percentile(column(rows, "infer_ms"), 50),
        "service_p50_ms": percentile(service, 50),
        "service_mean_ms": float(service.mean()),
        "wall_per_text_ms": 1000.0 * summary["duration_s"] / max(1, len(rows)),
    }


def measure(args: argparse.Namespace, rows: list, dev: Path) -> list[dict]:
    sentences, labels = read_tsv(dev)
    labels = np.array(labels)
    results = []
    for artifact, runtime, manifest in tqdm(rows, desc="models", unit="model"):
        tag = f"{artifact.name}-{runtime}"
        folder = run_engine(artifact, runtime, dev, args.threads, args.out / "runs" / tag)
        cpp, answered = engine_probs(folder, len(sentences))
        cpp_labels = cpp.argmax(axis=1)
        py = python_probs(artifact, runtime, manifest, sentences)
        row = {
            "model": artifact.name,
            "runtime": runtime,
            "precision": manifest.get("precision", "fp32"),
            "answered": int(answered.sum()),
            "accuracy": float((cpp_labels[answered] == labels[answered]).mean()),
            "manifest_accuracy": (manifest.get("accuracy") or {}).get("accuracy"),
            "agreement_python_same_runtime": float((cpp_labels == py.argmax(axis=1))[answered].mean()),
            "max_prob_diff_python": float(np.abs(cpp - py)[answered].max()),
            **{f"cpp_{k}": v for k, v in per_text(folder).items()},
        }
        if artifact.suffix == ".onnx" and runtime == "ort":
            reference = ref_run(artifact, dev, args.threads, args.out / "runs" / f"{tag}-ref-run")
            ref, ref_answered = engine_probs(reference, len(sentences))
            both = answered & ref_answered
            row["agreement_ref_run"] = float((cpp_labels == ref.argmax(axis=1))[both].mean())
            row.update({f"py_{k}": v for k, v in per_text(reference).items()})
            row["service_python_over_cpp"] = row["py_service_p50_ms"] / row["cpp_service_p50_ms"]
            row["wall_python_over_cpp"] = row["py_wall_per_text_ms"] / row["cpp_wall_per_text_ms"]
            row["pre_python_over_cpp"] = row["py_pre_p50_ms"] / row["cpp_pre_p50_ms"]
        results.append(row)
    return results


def fmt(value, spec: str) -> str:
    return "" if value is None else format(value, spec)


def markdown(document: dict) -> str:
    lines = [
        f"Machine: {machine_line(document['machine'])}. "
        f"Command: `{document['command']}` ({document['created']}); "
        f"{document['texts']} SST-2 dev sentences, {document['settings']['threads']} threads.",
        "",
        "| model | runtime | precision | answered | dev accuracy (C++) | manifest | agreement C++ vs Python, "
        "same runtime | max prob diff | agreement C++ vs ref-run | tokenise p50 ms C++ | ref-run | "
        "infer p50 ms C++ | per text p50 ms C++ | ref-run | ref-run / C++ | wall per text ms C++ | ref-run |",
        "|" + "---|" * 17,
    ]
    for r in document["rows"]:
        ref = f"{100 * r['agreement_ref_run']:.2f}%" if "agreement_ref_run" in r else ""
        lines.append(
            f"| {r['model']} | {r['runtime']} | {r['precision']} | {r['answered']} | {r['accuracy']:.4f} | "
            f"{fmt(r['manifest_accuracy'], '.4f')} | {100 * r['agreement_python_same_runtime']:.2f}% | "
            f"{r['max_prob_diff_python']:.1e} | {ref} | "
            f"{r['cpp_pre_p50_ms']:.3f} | {fmt(r.get('py_pre_p50_ms'), '.3f')} | "
            f"{r['cpp_infer_p50_ms']:.2f} | "
            f"{r['cpp_service_p50_ms']:.2f} | {fmt(r.get('py_service_p50_ms'), '.2f')} | "
            f"{fmt(r.get('service_python_over_cpp'), '.2f')} | {r['cpp_wall_per_text_ms']:.2f} | "
            f"{fmt(r.get('py_wall_per_text_ms'), '.2f')} |"
        )
    lines += [
        "",
        "Per text = e2e less queue (read to answer, without waiting behind other texts); wall = run duration "
        "/ texts. Python, same runtime: the artifact through its runtime's Python API with the reference "
        "tokenizers; ref-run: the Python reference loop (ONNX Runtime).",
    ]
    return "\n".join(lines) + "\n"


def plot(document: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in document["rows"] if "py_service_p50_ms" in r]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    names = [r["model"] for r in rows]
    x = np.arange(len(rows))
    left.bar(x - 0.2, [r["cpp_service_p50_ms"] for r in rows], 0.4, label="C++ engine (smartcamrt run)")
    left.bar(x + 0.2, [r["py_service_p50_ms"] for r in rows], 0.4, label="Python loop (ref-run)")
    left.set_xticks(x, names, rotation=15, fontsize=8)
    left.set_ylabel("read to answer per text (e2e - queue), p50 ms")
    left.set_title("SST-2 dev, ONNX Runtime, one text at a time")
    left.legend(fontsize=8)
    right.bar(x - 0.2, [1000 * r["cpp_pre_p50_ms"] for r in rows], 0.4, label="C++ tokenizer")
    right.bar(x + 0.2, [1000 * r["py_pre_p50_ms"] for r in rows], 0.4, label="Python (tokenizers / words.py)")
    right.set_xticks(x, names, rotation=15, fontsize=8)
    right.set_ylabel("tokenisation + input tensors per text, p50 us")
    right.set_yscale("log")
    right.legend(fontsize=8)
    host = document["machine"]
    fig.text(0.01, 0.01, f"{host['cpu']} ({' '.join(host['flags'])}), {host['cores']} cores; "
             f"{document['created']}", fontsize=7, color="grey")  # fmt: skip
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    path = out / "text-dev.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "text-dev")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--force", action="store_true", help="measure again even if the cached result matches"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N dev sentences (a smoke test)")
    parser.add_argument("--figures", type=Path, default=None, help="also copy the PNG here (e.g. docs)")
    args = parser.parse_args()
    dev = load_split("dev").path
    if args.limit:  # a quick check of the command itself, not a measurement
        lines = dev.read_text().splitlines(keepends=True)[: args.limit + 1]
        dev = args.out / "dev-head.tsv"
        dev.parent.mkdir(parents=True, exist_ok=True)
        dev.write_text("".join(lines))
    rows, missing = rows_to_measure()
    if not rows:
        sys.exit(f"text_dev.py: no trained text model in {MODELS}: run smartcamrt train-text first")
    key = cache_key(rows, dev, args.threads)
    result = args.out / "text-dev.json"
    cached = json.loads(result.read_text()) if result.is_file() else {}
    if not args.force and cached.get("cache_key") == key:
        print((args.out / "text-dev.md").read_text())
        note = "" if cached.get("engine_sha256") == engine_digest() else "; the engine was rebuilt since"
        print(f"(cached: {result}{note}; --force to measure again)", file=sys.stderr)
        return
    if missing:
        print("left out (not in the model cache): " + ", ".join(missing), file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    measured = measure(args, rows, dev)
    document = {
        "kind": "text-dev",
        "command": shlex.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"threads": args.threads},
        "texts": len(read_tsv(dev)[0]),
        "left_out": missing,
        "cache_key": key,
        "engine_sha256": engine_digest(),
        "rows": measured,
    }
    result.write_text(json.dumps(document, indent=2) + "\n")
    (args.out / "text-dev.md").write_text(markdown(document))
    png = plot(document, args.out)
    if args.figures:
        args.figures.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, args.figures / png.name)
    print((args.out / "text-dev.md").read_text())
    print(args.out)


if __name__ == "__main__":
    main()
