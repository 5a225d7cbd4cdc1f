"""The published book: it builds with no warning, and every page renders in a real browser without errors."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]  # no background traffic: this machine has no internet


@pytest.fixture(scope="module")
def site():
    """Build the book from the committed executed notebooks, warnings as errors, and serve it on 127.0.0.1."""
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"jupyter-book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def pages() -> list[str]:
    """Every page of the site: the book's pages plus the index and search pages."""
    return sorted(
        str(p.relative_to(HTML)) for p in HTML.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts
    )


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM.")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_book_has_every_chapter(site):
    names = {Path(p).stem for p in pages()}
    for chapter in (
        "intro",
        "01_preprocessing",
        "02_augmentation",
        "03_mlp",
        "04_cnn",
        "05_optimizers",
        "06_autoencoders",
        "07_confusion",
        "reproducibility",
        "references",
    ):
        assert chapter in names


def test_every_page_renders_without_errors_or_broken_images(site, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    all_pages = pages()
    assert len(all_pages) >= 10
    for page_name in all_pages:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.on(
            "response",
            lambda r, errors=errors: errors.append(f"HTTP {r.status} for {r.url}") if r.status >= 400 else None,
        )
        page.goto(f"{site}/{page_name}", wait_until="load")
        page.wait_for_timeout(200)
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        )
        page.screenshot(path=str(SHOTS / (page_name.replace("/", "_").removesuffix(".html") + ".png")), full_page=True)
        if errors:
            problems.append(f"{page_name}: console errors {errors}")
        if broken:
            problems.append(f"{page_name}: images that did not load {broken}")
        page.close()
    assert not problems, "\n".join(problems)


def test_results_table_has_a_measured_figure_and_verdict_for_every_claim(site, browser):
    page = browser.new_page()
    page.goto(f"{site}/book/intro.html", wait_until="load")
    rows = page.evaluate("""Array.from(document.querySelectorAll('table#results-table tbody tr'))
                            .map(r => Array.from(r.cells).map(c => c.innerText.trim()))""")
    page.close()
    assert [r[0] for r in rows] == [f"C{i}" for i in range(1, 12)], "the results table is missing or has other rows"
    for claim, _, _, ours, verdict in rows:
        assert ours and verdict, f"{claim}: empty cell"
        assert any(ch.isdigit() for ch in ours), f"{claim}: no measured number in {ours!r}"


def test_chapters_show_figures(site, browser):
    page = browser.new_page()
    for chapter in (
        "01_preprocessing",
        "02_augmentation",
        "03_mlp",
        "04_cnn",
        "05_optimizers",
        "06_autoencoders",
        "07_confusion",
    ):
        page.goto(f"{site}/book/{chapter}.html", wait_until="load")
        assert page.evaluate("document.querySelectorAll('img').length") >= 2, f"{chapter}: no figures"
    page.close()
