"""The Raspberry Pi bundle's contents: every ELF is aarch64 with the right RUNPATH, every NEEDED library is
in the bundle or in a documented system package, nothing needs a glibc newer than bookworm's 2.36, the
models match their manifests and SHA256SUMS, and install.sh lays the files out (into a staging root).
No emulator needed: these run wherever the bundle is."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import BASE_SYSTEM_LIBS, DEPLOY_SCRIPTS, EM_AARCH64, SYSROOT, Elf

GLIBC_BOUND = (2, 36)  # Raspberry Pi OS bookworm = Debian 12
# bookworm's libstdc++6 (GCC 12.2): a bundled runtime built with a newer GCC would need more and fail to load.
GLIBCXX_BOUND = (3, 4, 30)
CXXABI_BOUND = (1, 3, 13)
# The libraries each runtime needs at run time, dlopen()ed by the backend or its plugins (so not all
# of them are anyone's NEEDED): a runtime BUNDLE.json says is bundled must have them in lib/.
RUNTIME_LIBRARIES = {
    "ort": ["libonnxruntime.so.1"],
    "executorch": ["libexecutorch.so", "libexecutorch_backend_xnnpack.so"],
    "openvino": [
        "libopenvino_arm_cpu_plugin.so",
        "libopenvino_ir_frontend.so",
        "libopenvino_onnx_frontend.so",
    ],
    "litert": ["libtensorflowlite_c.so"],
}
# The ladder's rungs a Pi starts from (docs/deployment.md): fp32 and int8 at 640 and 320.
RUNGS = {
    "yolov5n-640.onnx": ("fp32", 640),
    "yolov5n-320.onnx": ("fp32", 320),
    "yolov5n-640.int8.onnx": ("int8", 640),
    "yolov5n-320.int8.onnx": ("int8", 320),
}
# int8 presets that are exact on Arm (ORT's Arm kernels do not saturate: docs/quantization.md).
ARM_INT8_PRESETS = {"qdq-u8s8", "qdq-u8u8", "qdq-s8s8", "qdq-u8s8-reduce-range"}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def test_layout(bundle: Path, bundle_tarball: Path):
    bundle_json = json.loads((bundle / "BUNDLE.json").read_text())
    assert bundle_tarball.name == f"smartcamrt-{bundle_json['version']}-linux-aarch64.tar.gz"
    assert bundle.name == bundle_tarball.name.removesuffix(".tar.gz")
    for item in [
        "bin/smartcamrt",
        "bin/smartcamrt-rotate-runs",
        "install.sh",
        "README.md",
        "SYSTEM-PACKAGES.txt",
        "config/smartcamrt.conf",
        "systemd/smartcamrt.service",
        "models/SHA256SUMS",
        "models/yolov5n-640.onnx",
        "models/yolov5n-320.onnx",
    ]:
        assert (bundle / item).is_file(), f"{item} missing from the bundle"
    for exe in ["bin/smartcamrt", "bin/smartcamrt-rotate-runs", "install.sh"]:
        assert os.access(bundle / exe, os.X_OK), f"{exe} is not executable"
    libs = {p.name for p in (bundle / "lib").iterdir()}
    assert any(n.startswith("libsmartcamrt.so") for n in libs), libs
    assert "libonnxruntime.so.1" in libs, "the ORT backend's library must be bundled"
    assert "ort" in bundle_json["runtimes_bundled"]


def test_every_elf_is_aarch64(elves: list[Elf]):
    wrong = [f"{e.path.name}: e_machine {e.machine}" for e in elves if e.machine != EM_AARCH64]
    assert not wrong, wrong
    assert {e.path.name for e in elves} >= {"smartcamrt", "libonnxruntime.so.1"}


def test_runpath(bundle: Path, elves: list[Elf]):
    for elf in elves:
        rel = elf.path.relative_to(bundle)
        assert elf.rpath is None, (
            f"{rel}: DT_RPATH {elf.rpath!r} (only RUNPATH, so LD_LIBRARY_PATH can override)"
        )
        if rel.parts[0] == "bin":
            assert elf.runpath == "$ORIGIN/../lib", f"{rel}: RUNPATH {elf.runpath!r}"
        else:
            # Libraries find their neighbours in lib/ and nothing of the build machine.
            assert elf.runpath in (None, "$ORIGIN"), f"{rel}: RUNPATH {elf.runpath!r}"


def _system_package_files() -> dict[str, str]:
    """file name -> Debian package, for the packages SYSTEM-PACKAGES.txt names (from the sysroot's
    record of which package unpacked which file)."""
    lists = SYSROOT / ".packages"
    if not lists.is_dir():
        pytest.skip(f"no arm64 sysroot package lists at {lists} (run scripts/deploy/sysroot.sh)")
    packages = [
        line.strip()
        for line in (Path(__file__).resolve().parents[3] / "deploy/raspberry-pi/SYSTEM-PACKAGES.txt")
        .read_text()
        .splitlines()
        if line.strip() and not line.startswith("#")
    ]
    owner: dict[str, str] = {}
    for package in packages:
        listing = lists / f"{package}.list"
        assert listing.is_file(), (
            f"SYSTEM-PACKAGES.txt names {package}, which is not a bookworm arm64 package"
        )
        for line in listing.read_text().splitlines():
            owner.setdefault(Path(line).name, package)
    return owner


def test_needed_libraries_are_bundled_or_documented(bundle: Path, elves: list[Elf]):
    bundled = {p.name for p in (bundle / "lib").iterdir()}
    system = _system_package_files()
    documented = set((bundle / "SYSTEM-PACKAGES.txt").read_text().split())
    missing = []
    used_packages = set()
    for elf in elves:
        for needed in elf.needed:
            if needed in bundled or needed in BASE_SYSTEM_LIBS:
                continue
            if needed in system:
                used_packages.add(system[needed])
                assert system[needed] in documented
                continue
            missing.append(f"{elf.path.relative_to(bundle)} needs {needed}")
    assert not missing, missing
    # The engine itself links OpenCV from the system packages.
    assert "libopencv-core406" in used_packages, used_packages


def test_bundled_symlinks_resolve(bundle: Path):
    broken = [str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_symlink() and not p.exists()]
    assert not broken, broken
    outside = [
        str(p.relative_to(bundle))
        for p in bundle.rglob("*")
        if p.is_symlink() and bundle.resolve() not in p.resolve().parents
    ]
    assert not outside, f"symlinks leaving the bundle: {outside}"


def test_glibc_bound(bundle: Path, bundle_tarball: Path, elves: list[Elf]):
    worst = max((_version(v) for e in elves for v in e.glibc_needs), default=(0,))
    assert worst <= GLIBC_BOUND, f"needs GLIBC_{'.'.join(map(str, worst))}"
    # The project's checker agrees, on the tarball itself.
    checked = subprocess.run(
        ["bash", str(DEPLOY_SCRIPTS / "check-glibc.sh"), "--max", "2.36", str(bundle_tarball)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "check-glibc: PASS" in checked.stdout
    # ... and it fails when the bound is below what the bundle needs.
    too_low = f"{worst[0]}.{worst[1] - 1}"
    refused = subprocess.run(
        ["bash", str(DEPLOY_SCRIPTS / "check-glibc.sh"), "--max", too_low, "--quiet", str(bundle)],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "FAIL" in refused.stdout, refused.stdout


def test_models_match_manifests_and_sums(bundle: Path):
    models = bundle / "models"
    sums = {}
    for line in (models / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    files = sorted(p.name for p in models.iterdir() if p.name != "SHA256SUMS")
    assert sorted(sums) == files, "SHA256SUMS must list every model file and manifest"
    for name, digest in sums.items():
        assert hashlib.sha256((models / name).read_bytes()).hexdigest() == digest, (
            f"{name}: SHA256SUMS mismatch"
        )
    artifacts = [p for p in models.iterdir() if p.suffix in (".onnx", ".pte", ".tflite", ".xml")]
    assert {p.name for p in artifacts} >= {"yolov5n-640.onnx", "yolov5n-320.onnx"}
    for artifact in artifacts:
        manifest = json.loads(Path(f"{artifact}.json").read_text())
        assert manifest["sha256"] == hashlib.sha256(artifact.read_bytes()).hexdigest(), artifact.name
        assert manifest["file"] == artifact.name
        assert manifest["format"] in (
            "onnx",
            "onnx-int8",
            "executorch",
            "executorch-int8",
            "tflite",
            "tflite-int8",
            "openvino",
            "openvino-int8",
        ), f"{artifact.name}: format {manifest['format']!r}"
        # Multi-file artifacts (OpenVINO's .bin) list every file with its own hash.
        for part in manifest.get("files", []):
            part_path = models / part["file"]
            assert part_path.is_file(), f"{artifact.name}: manifest lists {part['file']}, not in the bundle"
            assert hashlib.sha256(part_path.read_bytes()).hexdigest() == part["sha256"], part["file"]
    # BUNDLE.json names exactly the models that are there.
    bundle_json = json.loads((bundle / "BUNDLE.json").read_text())
    assert sorted(bundle_json["models"]) == sorted(p.name for p in artifacts)


def test_fp32_and_int8_rungs_at_640_and_320(bundle: Path, bundle_tarball: Path):
    models = bundle / "models"
    missing = [name for name in RUNGS if not (models / name).is_file()]
    assert not missing, (
        f"{bundle_tarball.name} lacks {missing}: rebuild it with `smartcamrt deploy pi --out "
        "build-aarch64/dist` (it stops naming the export command of a missing model)"
    )
    for name, (precision, size) in RUNGS.items():
        manifest = json.loads((models / f"{name}.json").read_text())
        assert manifest["precision"] == precision, name
        assert manifest["input"]["shape"][-2:] == [size, size], name
        if precision == "int8":
            assert manifest["format"] == "onnx-int8", name
            preset = manifest["quantization"]["preset"]
            assert preset in ARM_INT8_PRESETS, f"{name}: preset {preset} is not known to be exact on Arm"
            assert manifest["parity"]["passed"], f"{name}: the export's parity/agreement gate failed"


def _version_needs(path: Path, prefix: str) -> list[tuple[int, ...]]:
    readelf = shutil.which("aarch64-linux-gnu-readelf") or shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf (binutils) is not installed")
    out = subprocess.run([readelf, "-V", "-W", str(path)], capture_output=True, text=True).stdout
    needs = out[out.find("Version needs section") :] if "Version needs section" in out else ""
    return sorted({_version(tok.removeprefix(prefix)) for tok in needs.split() if tok.startswith(prefix)})


def test_libstdcxx_bound(bundle: Path, elves: list[Elf]):
    too_new = []
    for elf in elves:
        for prefix, bound in (("GLIBCXX_", GLIBCXX_BOUND), ("CXXABI_", CXXABI_BOUND)):
            worst = max(_version_needs(elf.path, prefix), default=(0,))
            if worst > bound:
                too_new.append(f"{elf.path.relative_to(bundle)} needs {prefix}{'.'.join(map(str, worst))}")
    assert not too_new, f"newer than bookworm's libstdc++6 (GCC 12): {too_new}"


def test_bundled_runtimes_have_their_libraries(bundle: Path):
    bundle_json = json.loads((bundle / "BUNDLE.json").read_text())
    libs = {p.name for p in (bundle / "lib").iterdir()}
    for runtime in bundle_json["runtimes_bundled"]:
        assert runtime in RUNTIME_LIBRARIES, f"unknown runtime {runtime} in BUNDLE.json"
        absent = [lib for lib in RUNTIME_LIBRARIES[runtime] if not any(n.startswith(lib) for n in libs)]
        assert not absent, f"{runtime} is bundled without {absent}"
    assert set(bundle_json["runtimes_bundled"]) <= set(bundle_json["backends_built"])


def test_service_unit_and_config(bundle: Path, tmp_path: Path):
    unit = (bundle / "systemd/smartcamrt.service").read_text()
    for line in [
        "Restart=on-failure",
        "EnvironmentFile=/etc/smartcamrt/smartcamrt.conf",
        "ExecStartPre=@PREFIX@/bin/smartcamrt-rotate-runs /var/lib/smartcamrt/runs",
        "ExecStart=@PREFIX@/bin/smartcamrt run --model ${MODEL} --source ${SOURCE}",
        "SupplementaryGroups=video",
        "StartLimitIntervalSec=0",
    ]:
        assert line in unit, f"the unit lacks {line!r}"
    # systemd's own check of the unit, with the prefix filled in as install.sh does.
    analyze = shutil.which("systemd-analyze")
    if analyze:
        unit_file = tmp_path / "smartcamrt.service"
        unit_file.write_text(unit.replace("@PREFIX@", str(bundle)))
        verified = subprocess.run(
            [analyze, "verify", "--man=no", str(unit_file)], capture_output=True, text=True
        )
        assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
    conf = dict(
        line.split("=", 1)
        for line in (bundle / "config/smartcamrt.conf").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert conf["SOURCE"].startswith("/dev/video")
    assert (bundle / conf["MODEL"].removeprefix("/opt/smartcamrt/")).is_file(), conf["MODEL"]
    for key in ["KEEP_RUNS", "MAX_RUNS_MB", "MIN_FREE_MB"]:
        assert conf[key].isdigit(), key


def test_install_into_a_staging_root(bundle: Path, tmp_path: Path):
    root = tmp_path / "root"
    result = subprocess.run(
        ["sh", str(bundle / "install.sh"), "--root", str(root)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    prefix = root / "opt/smartcamrt"
    assert (prefix / "bin/smartcamrt").is_file()
    assert (prefix / "models/yolov5n-640.onnx").is_file()
    assert os.readlink(root / "usr/local/bin/smartcamrt") == "/opt/smartcamrt/bin/smartcamrt"
    unit = (root / "etc/systemd/system/smartcamrt.service").read_text()
    assert "@PREFIX@" not in unit and "ExecStart=/opt/smartcamrt/bin/smartcamrt run" in unit
    conf = root / "etc/smartcamrt/smartcamrt.conf"
    assert conf.read_text() == (bundle / "config/smartcamrt.conf").read_text()
    # A second install keeps an edited configuration and puts the new default beside it.
    conf.write_text(conf.read_text().replace("KEEP_RUNS=20", "KEEP_RUNS=5"))
    again = subprocess.run(
        ["sh", str(bundle / "install.sh"), "--root", str(root)], capture_output=True, text=True
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "KEEP_RUNS=5" in conf.read_text()
    assert (root / "etc/smartcamrt/smartcamrt.conf.new").is_file()
    # A damaged model stops the installation before anything is replaced.
    damaged = tmp_path / "damaged"
    subprocess.run(["cp", "-a", str(bundle), str(damaged)], check=True)
    with (damaged / "models/yolov5n-320.onnx").open("ab") as f:
        f.write(b"\0")
    refused = subprocess.run(
        ["sh", str(damaged / "install.sh"), "--root", str(tmp_path / "r2")], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "SHA256SUMS" in refused.stderr
    assert not (tmp_path / "r2/opt/smartcamrt").exists()
