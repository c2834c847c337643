#!/usr/bin/env bash
# The ExecuTorch C++ runtime comes with the executorch wheel (>= 1.5: include/, lib/libexecutorch*.so);
# scripts/setup.sh installs it into .venv with the pinned tooling. See docs/runtimes/executorch.md.
# Prints the wheel's package folder (what EXECUTORCH_ROOT names), or exits 1 saying what is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

root="${EXECUTORCH_ROOT:-}"
if [[ -z "$root" ]]; then
  for candidate in "$repo"/.venv/lib/python3*/site-packages/executorch; do
    [[ -d "$candidate" ]] && root="$candidate"
  done
fi
if [[ -z "$root" || ! -d "$root" ]]; then
  echo "no executorch package: install the pinned tooling (scripts/setup.sh) or set EXECUTORCH_ROOT" >&2
  exit 1
fi
for need in include/executorch/extension/module/module.h lib/libexecutorch.so lib/libexecutorch_kernels_optimized.so \
  lib/libexecutorch_threadpool.so; do
  if [[ ! -f "$root/$need" ]]; then
    version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/version.py" 2>/dev/null || true)"
    echo "$root (executorch ${version:-unknown}) has no $need: the C++ runtime ships in executorch >= 1.5" >&2
    exit 1
  fi
done
[[ -f "$root/lib/libexecutorch_backend_xnnpack.so" ]] || echo "note: $root has no XNNPACK delegate library" >&2
echo "$root"
