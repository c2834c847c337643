"""report.html in a real browser (Debian's `chromium`, headless): the page is not blank, the charts are
drawn (the data: URIs pass the page's Content Security Policy), and the DOM Chromium built has every
section's table. Skipped, saying why, where chromium is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smartcamrt_tools.report.build import ReportOptions, make_report

from . import synthetic
from .test_report_sections import SECTION_TABLES

WIDTH, HEIGHT = 1280, 5000
TAB_BLUE = np.array([31, 119, 180])  # matplotlib's first colour: the bars and points of the charts


def chromium() -> str:
    binary = os.environ.get("SMARTCAMRT_CHROMIUM") or shutil.which("chromium") or ""
    if not binary:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return binary


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    # --no-sandbox: root in a container has no user namespace for the sandbox (as engine/tests/serve).
    argv = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


class SectionTables(HTMLParser):
    """Which table ids sit inside which <section>."""

    def __init__(self):
        super().__init__()
        self.section: str | None = None
        self.tables: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section":
            self.section = attributes.get("id")
            self.tables.setdefault(self.section, [])
        elif tag == "table" and self.section:
            self.tables[self.section].append(attributes.get("id", ""))

    def handle_endtag(self, tag):
        if tag == "section":
            self.section = None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    binary = chromium()
    tmp = tmp_path_factory.mktemp("report-chromium")
    html_path, _, _ = make_report(
        ReportOptions(
            out=tmp / "out", result_dirs=[synthetic.everything(tmp / "results")], use_defaults=False
        )
    )
    url = html_path.resolve().as_uri()
    shot = tmp / "shot.png"
    done = run_chromium(
        binary, tmp / "profile", f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", url
    )
    assert shot.is_file(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"
    dom = run_chromium(binary, tmp / "profile", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    if os.environ.get("SMARTCAMRT_KEEP_TEST_FILES"):
        print(f"report screenshot kept: {shot}")
    return np.asarray(Image.open(shot).convert("RGB")), dom.stdout


def test_the_screenshot_is_not_blank_and_shows_the_charts(rendered):
    pixels, _ = rendered
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    grey = pixels.mean(axis=2)
    assert grey.std() > 20, "the page looks blank"
    assert (grey < 200).mean() > 0.02, "almost nothing drawn on the page"
    blue = (np.abs(pixels.astype(int) - TAB_BLUE).sum(axis=2) < 30).sum()
    assert blue > 5000, f"the charts' blue covers only {blue} pixels: were the data: images blocked?"


def test_the_dom_has_every_sections_table(rendered):
    _, dom = rendered
    parser = SectionTables()
    parser.feed(dom)
    for section, (table, _) in SECTION_TABLES.items():
        assert table in parser.tables.get(section, []), (
            f"section {section}: tables {parser.tables.get(section)}"
        )
    for section, (_table, value) in SECTION_TABLES.items():
        assert value in dom, section
