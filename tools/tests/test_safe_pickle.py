"""Pickled code must never run: every global outside the allow-list is refused before it is called."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess
import zipfile
from pathlib import Path

import pytest

from smartcamrt_tools.checkpoint import load_checkpoint, unpickle_torch_zip
from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.safe_pickle import ForbiddenGlobalError, StubObject


class _Payload:
    """Pickles as 'call <func>(*args)' on load, the classic pickle attack."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def write_torch_zip(path: Path, content) -> Path:
    """A checkpoint laid out like torch.save's zip format, with ``content`` as the pickle."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(content, protocol=2))
        archive.writestr("archive/version", "3\n")
    return path


def payloads(marker: Path):
    return {
        "posix.system": _Payload(os.system, f"touch {marker}"),
        "builtins.eval": _Payload(builtins.eval, f"open({str(marker)!r}, 'w').write('pwned')"),
        "builtins.exec": _Payload(builtins.exec, f"open({str(marker)!r}, 'w').write('pwned')"),
        "subprocess.call": _Payload(subprocess.call, ["touch", str(marker)]),
    }


def test_payloads_would_run_under_plain_pickle(tmp_path):
    # Control: the payload is real; plain pickle executes it.
    marker = tmp_path / "plain-pickle-ran"
    pickle.loads(pickle.dumps(_Payload(os.system, f"touch {marker}")))
    assert marker.exists()


@pytest.mark.parametrize("global_name", ["posix.system", "builtins.eval", "builtins.exec", "subprocess.call"])
def test_malicious_checkpoint_is_refused_without_running(tmp_path, global_name):
    marker = tmp_path / "marker"
    # Hide the payload inside an otherwise normal-looking checkpoint dict.
    evil = write_torch_zip(tmp_path / "evil.pt", {"epoch": -1, "model": payloads(marker)[global_name]})
    with pytest.raises(ForbiddenGlobalError) as info:
        load_checkpoint(evil)
    assert isinstance(info.value, pickle.UnpicklingError)
    assert f"refusing to load global '{global_name}' from evil.pt" in str(info.value)
    assert not marker.exists()


def test_allow_listed_module_classes_become_inert_stubs(tmp_path):
    # Hand-assembled protocol-2 pickle: {"model": models.common.Conv() with state {"i": 3},
    #                                    "head": models.yolo.Detect(1)}. Neither module exists here.
    data = (
        b"\x80\x02}"  # PROTO 2, EMPTY_DICT
        b"X\x05\x00\x00\x00model"  # key
        b"cmodels.common\nConv\n)\x81"  # GLOBAL, EMPTY_TUPLE, NEWOBJ
        b"}X\x01\x00\x00\x00iK\x03sb"  # state {"i": 3}, BUILD
        b"s"  # SETITEM
        b"X\x04\x00\x00\x00head"
        b"cmodels.yolo\nDetect\nK\x01\x85R"  # GLOBAL, (1,), REDUCE: a call with arguments
        b"s."  # SETITEM, STOP
    )
    path = tmp_path / "stubs.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data)
    loaded = unpickle_torch_zip(path)
    assert isinstance(loaded["model"], StubObject) and isinstance(loaded["head"], StubObject)
    assert type(loaded["model"]).qualified_name() == "models.common.Conv"
    assert loaded["model"].i == 3
    assert loaded["head"]._stub_args == (1,)  # recorded, not acted on


def test_not_a_zip_is_a_clear_error(tmp_path):
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(ToolError, match="not a PyTorch zip checkpoint"):
        load_checkpoint(bogus)
