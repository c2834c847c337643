#!/usr/bin/env bash
# Benchmark (issue 4): the cost of telemetry. The same real-time run of vtest.avi with full telemetry
# (sampler every 100 ms, Chrome trace, Prometheus endpoint scraped every second) and with telemetry
# off, alternated PAIRS times (off, on, off, on, ...) so drift hits both alike. Reports the end-to-end
# and inference p50 of each and the difference.
# Environment: THREADS (default: all cores), FRAMES (default 300), PAIRS (default 2), OUT,
# SCRAPE (default 1; 0 = serve /metrics but do not scrape it, to tell the scraper's cost apart).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../setup.sh"
source "$here/../env.sh"
threads="${THREADS:-$(nproc)}"
frames="${FRAMES:-300}"
pairs="${PAIRS:-2}"
out="${OUT:-$repo/runs/bench-telemetry-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
model="$(ensure_model 640)"
common=(--model "$model" --source "$SMARTCAMRT_ASSETS/video/vtest.avi" --realtime --threads "$threads"
  --frames "$frames" --no-save --quiet)

for i in $(seq 1 "$pairs"); do
  echo "[bench] pair $i: telemetry off" >&2
  smartcamrt run "${common[@]}" --no-telemetry --out "$out/off-$i" >/dev/null
  echo "[bench] pair $i: full telemetry" >&2
  port=$((20000 + RANDOM % 20000))
  smartcamrt run "${common[@]}" --trace "$out/on-$i.trace.json" --metrics-port "$port" --out "$out/on-$i" >/dev/null &
  run_pid=$!
  # Scrape like Prometheus would, once a second, while the run lasts.
  while kill -0 "$run_pid" 2>/dev/null; do
    [[ "${SCRAPE:-1}" == 1 ]] && { curl -s "http://127.0.0.1:$port/metrics" >/dev/null 2>&1 || true; }
    sleep 1
  done
  wait "$run_pid"
done

"$repo/.venv/bin/python" - "$out" "$pairs" <<'PY'
import json, statistics, sys
from pathlib import Path
out, pairs = Path(sys.argv[1]), int(sys.argv[2])
def p50(kind, stage):
    return [json.loads((out / f"{kind}-{i}" / "summary.json").read_text())["stages"][stage]["p50"] for i in range(1, pairs + 1)]
host = json.loads((out / "on-1" / "summary.json").read_text())["host"]
lines = [f"Machine: {host['cpu_model']}, {host['cores']} cores. Each value: median over {pairs} runs of the run's p50.", "",
         "| stage | telemetry off p50 ms | full telemetry p50 ms | difference |", "|---|---|---|---|"]
figures = {}
for stage in ("infer_ms", "e2e_ms"):
    off, on = statistics.median(p50("off", stage)), statistics.median(p50("on", stage))
    figures[stage] = {"off": off, "on": on, "diff_pct": 100 * (on - off) / off}
    lines.append(f"| {stage} | {off:.2f} | {on:.2f} | {100 * (on - off) / off:+.2f}% |")
report = "\n".join(lines) + "\n"
(out / "report.md").write_text(report)
(out / "report.json").write_text(json.dumps(figures, indent=2) + "\n")
print(report)
print(out)
PY
