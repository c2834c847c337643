#!/usr/bin/env bash
# All tests: installs what is missing, builds, then runs the C++ suite (unit + end-to-end with the
# real YOLOv5n), the Python suite, and the format/lint checks. Non-zero exit when anything fails.
set -euo pipefail
bash "$(dirname "$0")/setup.sh"
source "$(dirname "$0")/env.sh"
cd "$repo"

status=0
export SMARTCAMRT_TEST_MODEL
SMARTCAMRT_TEST_MODEL="$(ensure_model 640)"
export SMARTCAMRT_TEST_MODEL_SMALL
SMARTCAMRT_TEST_MODEL_SMALL="$(ensure_model 320)"
export SMARTCAMRT_TEST_PTE
SMARTCAMRT_TEST_PTE="$(ensure_model 640 executorch)"
# The tiny ExecuTorch text programs of the C++ text-task tests (C++ cannot write a .pte).
export SMARTCAMRT_TEST_TEXT_PTE_DIR="$repo/build/test-fixtures/text"
if [[ scripts/text/make_tiny_text_pte.py -nt "$SMARTCAMRT_TEST_TEXT_PTE_DIR/tiny_static.pte" ]]; then
  log="$(.venv/bin/python scripts/text/make_tiny_text_pte.py --out "$SMARTCAMRT_TEST_TEXT_PTE_DIR" 2>&1)" ||
    { echo "$log" >&2; echo "scripts/text/make_tiny_text_pte.py failed" >&2; exit 1; }
fi

echo "== C++ tests (ctest)"
ctest --test-dir build --output-on-failure -j 2 || status=1

echo "== Python tests (pytest)"
.venv/bin/python -m pytest tools/tests -q || status=1

echo "== format and lint"
clang_files=$(git ls-files 'engine/*.cpp' 'engine/*.hpp')
# shellcheck disable=SC2086
clang-format --dry-run --Werror $clang_files || { echo "clang-format: run 'clang-format -i' on the files above"; status=1; }
.venv/bin/ruff check tools scripts || status=1
.venv/bin/ruff format --check tools scripts || status=1

exit $status
