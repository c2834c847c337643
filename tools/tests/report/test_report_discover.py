"""Results are found by what they hold: a renamed or moved file is still found, a look-alike is not."""

from __future__ import annotations

import json
import os

from smartcamrt_tools.report.discover import classify, discover

from . import synthetic


def test_every_kind_is_found_by_content_wherever_it_lies(tmp_path):
    synthetic.everything(tmp_path)
    found = discover([tmp_path])
    assert sorted(found) == [
        "bundle",
        "compression",
        "emulated-run",
        "model-comparison",
        "profile",
        "run",
        "runtimes",
        "stress",
    ]


def test_a_renamed_result_is_still_found_and_a_look_alike_is_not(tmp_path):
    path = synthetic.runtimes(tmp_path / "x")
    path.rename(tmp_path / "x" / "whatever.json")
    # Named like a result, but not one: a rows list without the runtime columns.
    (tmp_path / "x" / "runtimes.json").write_text(json.dumps({"machine": "m", "rows": [{"model": "a"}]}))
    (tmp_path / "x" / "broken.json").write_text("{not json")
    found = discover([tmp_path])
    assert [r.path.name for r in found["runtimes"]] == ["whatever.json"]


def test_compression_table_before_and_after_its_kind_field():
    assert classify({"kind": "compression-table", "rows": []}) == "compression"
    assert classify({"cpu": "c", "rows": [{"variant": "v", "mAP50-95": 0.1}]}) == "compression"
    assert classify({"cpu": "c", "rows": [{"variant": "v"}]}) is None
    assert classify({"kind": "model-comparison"}) == "model-comparison"
    assert classify([1, 2]) is None


def test_newest_first_recorded_time_over_file_time(tmp_path):
    old = synthetic.runtimes(tmp_path / "old")
    new = synthetic.runtimes(tmp_path / "new")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_800_000_000, 1_800_000_000))
    found = discover([tmp_path])["runtimes"]
    assert [r.path for r in found] == [new, old]
    assert found[0].when()[1] == "file time"
    model = discover([synthetic.model_comparison(tmp_path / "m").parent])["model-comparison"][0]
    assert model.when()[1] == "recorded" and model.when()[0].hour == 11
    assert model.provenance("default").command == "scripts/bench/models.py --rounds 1"


def test_the_same_file_reached_twice_counts_once(tmp_path):
    synthetic.runtimes(tmp_path / "a")
    assert len(discover([tmp_path, tmp_path / "a", tmp_path / "a" / "runtimes.json"])["runtimes"]) == 1
