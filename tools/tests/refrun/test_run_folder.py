from __future__ import annotations

import numpy as np
import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.refrun.run_folder import format_cell, new_run_id, prepare_run_folder
from smartcamrt_tools.refrun.stats import stage_stats


def test_cells_have_up_to_three_decimals_and_none_is_empty():
    assert format_cell(12.34567) == "12.346"
    assert format_cell(2.0) == "2"
    assert format_cell(0.0001) == "0"
    assert format_cell(None) == ""
    assert format_cell(7) == "7"


def test_stage_stats_use_linear_percentiles():
    values = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0]
    stats = stage_stats(values)
    assert stats["count"] == 6 and stats["max"] == 10.0
    for p in (50, 90, 95, 99):
        assert stats[f"p{p}"] == round(float(np.percentile(values, p)), 3)
    assert stage_stats([])["mean"] is None


def test_run_id_shape():
    run_id = new_run_id()
    date, clock, suffix = run_id.split("-")
    assert len(date) == 8 and len(clock) == 6 and len(suffix) == 4


def test_an_existing_run_is_not_overwritten(tmp_path):
    (tmp_path / "frames.csv").write_text("x")
    with pytest.raises(ToolError, match="already holds a run"):
        prepare_run_folder(tmp_path)
