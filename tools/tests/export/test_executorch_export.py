"""``smartcamrt-tools export --format executorch``: the .pte program, its metadata, manifest and parity."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from smartcamrt_tools.export import FORMATS, get_format

EXPORT_IMGSZ = 320  # small input keeps the export fast on 2 cores
N_320 = 3 * (40 * 40 + 20 * 20 + 10 * 10)  # anchors x grid cells over the three levels


@pytest.fixture(scope="module")
def pte_export(assets: Path, tmp_path_factory) -> dict:
    """Export yolov5n once through the CLI, as a user would."""
    from smartcamrt_tools.cli import main

    out = tmp_path_factory.mktemp("executorch")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        args = ["export", "--weights", "yolov5n.pt", "--format", "executorch", "--imgsz", str(EXPORT_IMGSZ)]
        code = main([*args, "--out", str(out)])
    lines = stdout.getvalue().splitlines()
    assert code == 0, "\n".join(lines)
    return {"lines": lines, "pte": Path(lines[-1])}


def test_rows():
    for name in ("executorch", "executorch-portable"):
        row = get_format(name)
        assert row is FORMATS[name]
        assert row.suffix.endswith(".pte") and row.precision == "fp32" and row.runtime == "executorch"
        assert (row.input_name, row.output_name) == ("input0", "output0")
        assert 0 < row.tolerance.scores < row.tolerance.boxes_px
        assert "executorch" in row.packages


def test_cli_prints_delegation_parity_and_the_artifact_path(pte_export):
    pte, lines = pte_export["pte"], pte_export["lines"]
    assert pte.is_absolute() and pte.is_file() and pte.name == f"yolov5n-{EXPORT_IMGSZ}.pte"
    assert pte.read_bytes()[4:8] == b"ET12"  # the ExecuTorch flatbuffer file identifier
    (delegation,) = [line for line in lines if line.startswith("delegation: ")]
    assert (
        delegation.startswith("delegation: XnnpackBackend: ")
        and "portable/optimized CPU kernels" in delegation
    )
    assert any(line.startswith("parity vs pytorch") and "passed" in line for line in lines)


def test_program_contract_and_metadata(pte_export, checkpoint):
    from executorch.runtime import Runtime

    from smartcamrt_tools.export.executorch_format import read_program_metadata

    program = Runtime.get().load_program(pte_export["pte"])
    assert program.method_names == {"forward", "names", "stride"}
    meta = program.metadata("forward")
    assert meta.num_inputs() == 1 and meta.num_outputs() == 1
    assert list(meta.input_tensor_meta(0).sizes()) == [1, 3, EXPORT_IMGSZ, EXPORT_IMGSZ]
    assert list(meta.output_tensor_meta(0).sizes()) == [1, N_320, 85]
    metadata = read_program_metadata(pte_export["pte"])
    assert json.loads(metadata["names"]) == checkpoint.names
    assert json.loads(metadata["stride"]) == [8, 16, 32]


def test_manifest_fields(pte_export, checkpoint):
    pte = pte_export["pte"]
    manifest = json.loads(pte.with_name(pte.name + ".json").read_text())
    assert (manifest["format"], manifest["precision"], manifest["runtime"]) == (
        "executorch",
        "fp32",
        "executorch",
    )
    assert manifest["file"] == pte.name
    assert manifest["sha256"] == hashlib.sha256(pte.read_bytes()).hexdigest()
    assert manifest["source"]["sha256"] == checkpoint.sha256
    assert manifest["input"]["name"] == "input0" and manifest["input"]["layout"] == "NCHW"
    assert manifest["input"]["shape"] == [1, 3, EXPORT_IMGSZ, EXPORT_IMGSZ]
    assert manifest["output"] == {"name": "output0", "shape": [1, N_320, 85], "decode": "yolov5"}
    assert manifest["labels"] == checkpoint.names
    assert manifest["tools"]["executorch"].startswith("1.5") and manifest["tools"]["torch"].startswith("2.13")
    parity = manifest["parity"]
    assert parity["passed"] is True and parity["inputs"] == ["bus.jpg", "zidane.jpg"]
    assert 0 <= parity["max_abs_diff"] <= parity["atol"] == FORMATS["executorch"].tolerance.boxes_px
    assert parity["cosine"] >= FORMATS["executorch"].tolerance.min_cosine


def test_runtime_output_matches_pytorch(pte_export, reference_model):
    import torch

    from smartcamrt_tools.export.executorch_format import open_executorch_runner

    run = open_executorch_runner(pte_export["pte"])
    batch = np.random.default_rng(0).random((1, 3, EXPORT_IMGSZ, EXPORT_IMGSZ), dtype=np.float32)
    first, second = run(batch), run(batch)
    np.testing.assert_array_equal(first, second)  # the copy survives the next run
    with torch.no_grad():
        expected = reference_model(torch.from_numpy(batch)).numpy()
    tolerance = FORMATS["executorch"].tolerance
    np.testing.assert_allclose(first[..., 4:], expected[..., 4:], atol=tolerance.scores)
    np.testing.assert_allclose(first[..., :4], expected[..., :4], atol=tolerance.boxes_px)


def test_a_file_that_is_not_a_program_is_one_line_error(tmp_path):
    from smartcamrt_tools.errors import ToolError
    from smartcamrt_tools.export.executorch_format import open_executorch_runner

    bad = tmp_path / "bad.pte"
    bad.write_bytes(b"not an executorch program" * 4)
    with pytest.raises(ToolError, match="ExecuTorch cannot load it") as info:
        open_executorch_runner(bad)
    assert "\n" not in str(info.value)
