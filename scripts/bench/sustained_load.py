"""How steady this machine's speed is: back-to-back ONNX Runtime runs of a model
for LOAD seconds (p50 per 2-second window), then short bursts after increasing idle times.

Why: on the 2-core development VM, runs sometimes go ~1.6-1.8x slower for tens of seconds. This was
seen after 14 s of full load in one run and after 10 s idle in another; 40 s of full load in between
showed none. The slow spells come from the host, not from the load measured here, so a single run of
any benchmark can land in one. This script shows whether the machine is in such a spell now.

Usage: .venv/bin/python scripts/bench/sustained_load.py MODEL.onnx [--load 24] [--threads 2] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--load", type=float, default=24.0, help="seconds of back-to-back runs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="also write the figures as JSON")
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(args.model, options)
    spec = session.get_inputs()[0]
    image = np.random.default_rng(0).random([d if isinstance(d, int) else 1 for d in spec.shape], np.float32)

    def burst(seconds: float) -> list[tuple[float, float]]:
        start, times = time.perf_counter(), []
        while time.perf_counter() - start < seconds:
            before = time.perf_counter()
            session.run(None, {spec.name: image})
            times.append((before - start, (time.perf_counter() - before) * 1e3))
        return times

    sustained = burst(args.load)
    windows = []
    for left in range(0, int(args.load), 2):
        values = [ms for t, ms in sustained if left <= t < left + 2]
        if values:
            windows.append(
                {"from_s": left, "runs": len(values), "p50_ms": round(statistics.median(values), 2)}
            )
            print(
                f"load {left:>3}-{left + 2:<3} s  runs {len(values):>3}  p50 {windows[-1]['p50_ms']:6.2f} ms"
            )
    recovery = []
    for idle in (2, 5, 10, 20):
        time.sleep(idle)
        p50 = statistics.median(ms for _, ms in burst(3.0))
        recovery.append({"idle_s": idle, "p50_ms": round(p50, 2)})
        print(f"after {idle:>2} s idle, 3 s burst  p50 {p50:6.2f} ms")
        burst(3.0)  # keep the load on between the probes, as the first probe left it
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(
                {"model": args.model, "threads": args.threads, "windows": windows, "recovery": recovery},
                handle,
                indent=2,
            )


if __name__ == "__main__":
    main()
