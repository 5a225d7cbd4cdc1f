"""The published book: it builds with no warning, and every page renders in a real browser without errors."""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NARROW = 420  # px: a phone held upright
CHAPTERS = tuple(sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))  # this commit's
PUBLISHED = tuple(sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb")))  # the published run's
NEXT = ROOT / "_build" / "books" / "quick"  # the book this commit would publish, from the quick profile's run
NEXT_HTML = NEXT / "_build" / "html"
# Issue 14's page polish lives in the notebooks (cell tags, admonitions, captions): the executed
# notebooks in book/ carry it, so these checks always run.
polish = pytest.mark.polish
CORRECTIONS = {"02_augmentation": "C9", "04_cnn": "C10", "03_mlp": "C11"}  # page: the seed correction it explains
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]  # no background traffic: this machine has no internet


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one line per request would bury pytest's report
        pass


@contextlib.contextmanager
def _serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site():
    """Build the published book (book/'s executed notebooks) with the README's `make book`, verbatim (warnings are
    errors there), and serve it on 127.0.0.1."""
    from tests.test_readme_commands import readme_line

    command = readme_line("make book ")  # "make book", not "make book-profile"
    assert command == "make book"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    with _serve(HTML) as url:
        yield url


@pytest.fixture(scope="module")
def next_site():
    """The book this commit would publish: the quick profile's chapters (run here; a run already current is kept)
    with pages/'s intro and table of contents, built with warnings as errors and served on 127.0.0.1."""
    from tests.test_readme_commands import readme_line

    command = readme_line("make book-profile")  # the README's command, verbatim
    run = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    assert run.returncode == 0, f"{command} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    assert f"built {NEXT_HTML / 'index.html'}" in run.stdout
    with _serve(NEXT_HTML) as url:
        yield url


def pages(html: Path = HTML) -> list[str]:
    """Every page of a built site: the book's pages plus the index and search pages."""
    return sorted(
        str(p.relative_to(html)) for p in html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts
    )


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM.")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_book_has_every_chapter(site):
    names = {Path(p).stem for p in pages()}
    for chapter in ("intro", *PUBLISHED, "reproducibility", "glossary", "references"):
        assert chapter in names


def test_the_next_book_has_every_chapter_of_this_commit(next_site):
    names = {Path(p).stem for p in pages(NEXT_HTML)}
    for chapter in ("intro", *CHAPTERS, "reproducibility", "glossary", "references"):
        assert chapter in names


BOOKS = {"site": HTML, "next_site": NEXT_HTML}  # fixture name: its built html folder


@pytest.mark.parametrize("book", BOOKS)
def test_every_page_renders_without_errors_or_broken_images(request, browser, book):
    site = request.getfixturevalue(book)
    shots = SHOTS / book
    shots.mkdir(parents=True, exist_ok=True)
    problems = []
    all_pages = pages(BOOKS[book])
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
        page.screenshot(path=str(shots / (page_name.replace("/", "_").removesuffix(".html") + ".png")), full_page=True)
        if errors:
            problems.append(f"{page_name}: console errors {errors}")
        if broken:
            problems.append(f"{page_name}: images that did not load {broken}")
        page.close()
    assert not problems, "\n".join(problems)


CLAIM_IDS = [f"C{i}" for i in range(1, 20)]
VERDICT_CLASSES = {"reproduced", "not-reproduced", "corrected", "could-not-tell", "measured"}


def test_results_table_has_a_measured_figure_and_a_coloured_verdict_for_every_claim(next_site, browser):
    page = browser.new_page()
    page.goto(f"{next_site}/book/intro.html", wait_until="load")
    rows = page.evaluate("""Array.from(document.querySelectorAll('table#results-table tbody tr')).map(r => ({
        cells: Array.from(r.cells).map(c => c.innerText.trim()),
        badge: (r.querySelector('a.verdict') || {className: ''}).className,
        colour: r.querySelector('a.verdict')
                ? getComputedStyle(r.querySelector('a.verdict')).backgroundColor : ''}))""")
    page.close()
    assert [r["cells"][0] for r in rows] == CLAIM_IDS, "the results table is missing or has other rows"
    for r in rows:
        claim, report, says, ours, verdict = r["cells"]
        assert report and says and ours and verdict, f"{claim}: empty cell"
        assert "MISSING" not in ours + verdict, f"{claim}: no chapter recorded it"
        assert {c.removeprefix("verdict-") for c in r["badge"].split()} & VERDICT_CLASSES, f"{claim}: no verdict badge"
        assert r["colour"] not in ("", "rgba(0, 0, 0, 0)"), f"{claim}: the verdict badge has no colour"


@pytest.mark.parametrize("width", [1280, NARROW])
def test_the_answer_is_on_the_first_screen(next_site, browser, width):
    """The summary figure starts, and coloured verdicts show, within the first 900 px of the intro."""
    page = _open(browser, f"{next_site}/book/intro.html", width)
    figure_top = page.evaluate(
        "(document.querySelector('figure.glued-figure img') || {getBoundingClientRect: () => ({top: 1e9})})"
        ".getBoundingClientRect().top"
    )
    badges_on_screen = page.evaluate("""Array.from(document.querySelectorAll('.verdict-legend .verdict'))
        .filter(b => b.getBoundingClientRect().top < window.innerHeight).length""")
    page.context.close()
    assert figure_top < 900, (
        f"the summary figure starts at {figure_top:.0f} px at {width} px wide: below the first screen"
    )
    wanted = len(VERDICT_CLASSES) if width == 1280 else 1  # a phone shows the legend's start above the figure
    assert badges_on_screen >= wanted, f"{badges_on_screen} verdict colours on the first screen at {width} px"


def test_the_summary_figure_is_shown_full_size_on_a_phone(next_site, browser):
    """At 420 px the summary figure is not shrunk below 90% of its size (its letters stay 10 pt)."""
    page = _open(browser, f"{next_site}/book/intro.html", NARROW)
    shown, meant = page.evaluate("""(() => { const img = document.querySelector('figure.glued-figure img');
        return [img.getBoundingClientRect().width, parseFloat(img.style.width)]; })()""")
    page.context.close()
    assert shown >= 0.9 * meant, f"the summary figure is shown {shown:.0f} px wide of its {meant:.0f} px at {NARROW} px"


ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/(?:work|home|root|tmp|usr|opt|private|Users)/[\w.-]+|[A-Z]:\\\w)")
RAW_DICT = re.compile(r"^\s*\{\s*'[^']+'\s*:", re.M)


def test_no_page_shows_plumbing(next_site, browser):
    """No table cell cut short with "…", no absolute path of the machine that ran it, no raw dict printout,
    and alt text on every image."""
    problems = []
    for page_name in pages(NEXT_HTML):
        if not page_name.startswith("book/"):
            continue
        page = _open(browser, f"{next_site}/{page_name}", 1280)
        found = page.evaluate("""() => {
            const visible = e => e.offsetParent !== null && !e.closest('details:not([open])');
            return {
              cut: Array.from(document.querySelectorAll('.bd-article td, .bd-article th'))
                     .map(c => c.innerText.trim()).filter(t => t.endsWith('…') || t.endsWith('...')),
              text: document.querySelector('.bd-article').textContent,
              outputs: Array.from(document.querySelectorAll('.cell_output')).filter(visible).map(o => o.innerText),
              no_alt: Array.from(document.querySelectorAll('.bd-article img'))
                        .filter(i => !(i.alt || '').trim()).map(i => i.src.slice(-40)),
            };
        }""")
        page.context.close()
        name = page_name.removeprefix("book/")
        problems += [f"{name}: cell cut short {t[-40:]!r}" for t in found["cut"]]
        problems += [f"{name}: absolute path {m!r}" for m in ABSOLUTE_PATH.findall(found["text"])]
        problems += [f"{name}: raw dict {o.strip()[:60]!r}" for o in found["outputs"] if RAW_DICT.search(o)]
        problems += [f"{name}: image without alt text {src!r}" for src in found["no_alt"]]
    assert not problems, "\n".join(problems)


# What a page may load on a first visit, all files together (issue 24: under 1.5 MB). Formulas are MathML written at
# build time (no typesetting script), the theme's fontawesome.js and the search scripts are dropped from the pages.
PAGE_WEIGHT_MB = 1.5


@pytest.mark.parametrize("book", BOOKS)
def test_every_page_weighs_under_the_limit_on_a_first_visit(request, browser, book):
    """The bytes each page loads (its HTML, scripts, styles, fonts, images), from the browser's count."""
    site = request.getfixturevalue(book)
    heavy, weights = [], {}
    for page_name in pages(BOOKS[book]):
        page = _open(browser, f"{site}/{page_name}", 1280)
        page.wait_for_load_state("networkidle")
        loaded = page.evaluate("""() => [...performance.getEntriesByType('navigation'),
            ...performance.getEntriesByType('resource')].map(e => [e.name, e.encodedBodySize || 0])""")
        page.context.close()
        weights[page_name] = total = sum(size for _, size in loaded) / 1e6
        if total > PAGE_WEIGHT_MB:
            biggest = sorted(loaded, key=lambda e: -e[1])[:3]
            heavy.append(f"{page_name}: {total:.2f} MB, most in {[(n.rsplit('/', 1)[-1], s) for n, s in biggest]}")
    print(f"{book}: heaviest first visit {max(weights.values()):.2f} MB ({max(weights, key=weights.get)})")
    assert not heavy, "\n".join(heavy)


@pytest.mark.parametrize("book", BOOKS)
def test_formulas_are_drawn_as_mathml_by_the_browser_with_no_script(request, browser, book):
    site = request.getfixturevalue(book)
    page = _open(browser, f"{site}/book/glossary.html", 1280)  # the rules' formulas, in both books
    found = page.evaluate("""() => ({
        formulas: Array.from(document.querySelectorAll('span.math math, div.math math'))
                       .map(m => m.getBoundingClientRect().width),
        tex: Array.from(document.querySelectorAll('span.math, div.math'))
                  .filter(e => /\\\\|\\$/.test(e.innerText)).length,
        scripts: Array.from(document.scripts).map(s => s.src).filter(s => /mathjax|katex/i.test(s)),
    })""")
    page.context.close()
    assert len(found["formulas"]) >= 3 and min(found["formulas"]) > 0, found  # drawn, not empty boxes
    assert found["tex"] == 0 and found["scripts"] == [], found


def test_chapters_show_figures(site, browser):
    page = browser.new_page()
    drawn = [c for c in PUBLISHED if "image/png" in (ROOT / "book" / f"{c}.ipynb").read_text(encoding="utf-8")]
    assert len(drawn) >= len(PUBLISHED) - 1  # 08_beyond is the one chapter of tables only
    for chapter in drawn:
        page.goto(f"{site}/book/{chapter}.html", wait_until="load")
        assert page.evaluate("document.querySelectorAll('img').length") >= 2, f"{chapter}: no figures"
    page.close()


def _open(browser, url, width, mode="light"):
    """A page at `width` px in light or dark mode (pydata-sphinx-theme reads the mode from localStorage)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)
    return page


@pytest.mark.parametrize("book", BOOKS)
def test_every_page_fits_a_narrow_screen_without_sideways_scrolling_in_light_and_dark(request, browser, book):
    site = request.getfixturevalue(book)
    shots = SHOTS / book / f"{NARROW}px"
    shots.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for page_name in pages(BOOKS[book]):
        for mode in ("light", "dark"):
            page = _open(browser, f"{site}/{page_name}", NARROW, mode)
            width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            stem = page_name.replace("/", "_").removesuffix(".html")
            page.screenshot(path=str(shots / f"{stem}_{mode}.png"), full_page=True)
            if width[0] > width[1]:
                too_wide.append(f"{page_name} ({mode}): page is {width[0]} px wide on a {width[1]} px screen")
            page.context.close()
    assert not too_wide, "\n".join(too_wide)


def test_results_table_fits_the_text_column_at_1280px(next_site, browser):
    page = _open(browser, f"{next_site}/book/intro.html", 1280)
    widths = page.evaluate("""(() => { const t = document.querySelector('table#results-table');
        return [t.getBoundingClientRect().width, t.parentElement.getBoundingClientRect().width]; })()""")
    page.context.close()
    assert widths[0] <= widths[1] + 0.5, f"the results table is {widths[0]:.0f} px in a {widths[1]:.0f} px column"


def test_results_table_verdicts_are_on_screen_at_420px(next_site, browser):
    page = _open(browser, f"{next_site}/book/intro.html", NARROW)
    rights = page.evaluate("""Array.from(document.querySelectorAll('table#results-table tbody tr td:last-child'))
                              .map(c => c.getBoundingClientRect().right)""")
    page.context.close()
    assert len(rights) == len(CLAIM_IDS), "the results table is missing"
    assert max(rights) <= NARROW, f"verdict cells end at {max(rights):.0f} px on a {NARROW} px screen"


def test_header_has_no_second_search_field(site, browser):
    page = _open(browser, f"{site}/book/intro.html", 1400)
    persistent = page.evaluate("document.querySelectorAll('.navbar-persistent--container').length")
    visible_fields = page.evaluate("""Array.from(document.querySelectorAll('.search-button-field'))
                                      .filter(e => e.offsetParent !== null).length""")
    page.context.close()
    assert persistent == 0 and visible_fields == 1


def test_repository_buttons_follow_the_one_repository_url_setting(site):
    spec = importlib.util.spec_from_file_location("page_fixes", ROOT / "book" / "_ext" / "page_fixes.py")
    page_fixes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page_fixes)
    launch = {"notebook_interface": "jupyterlab", "binderhub_url": "https://hub.example"}
    off = page_fixes.theme_options_for({"repository_url": "", "launch_buttons": launch})
    on = page_fixes.theme_options_for({"repository_url": "https://example.org/o/r", "launch_buttons": launch})
    assert not off["use_repository_button"] and "binderhub_url" not in off["launch_buttons"]
    assert on["use_repository_button"] and on["launch_buttons"]["binderhub_url"]
    assert "repository-button" not in (HTML / "book" / "04_cnn.html").read_text()  # _config.yml leaves the url empty


# Page polish (issue 14): each returns a list of problems on one open page.
HIDDEN_CODE = re.compile(r"^(from \S+ import|import \S+|params = validate\(|glue\(.*display=False|# NBVAL)", re.M)


def visible_code_a_reader_does_not_need(page) -> list[str]:
    """Code cells shown in full that only set up the page: parameters, imports, validate(...), glue(...)."""
    shown = page.evaluate("""Array.from(document.querySelectorAll('.cell .cell_input'))
        .filter(e => e.offsetParent !== null && !e.closest('details:not([open])'))
        .map(e => ({code: e.innerText, parameters: /tag_(injected-)?parameters/.test(e.closest('.cell').className)}))
    """)
    return [c["code"].splitlines()[0][:80] for c in shown if c["parameters"] or HIDDEN_CODE.search(c["code"])]


def training_logs_shown_open(page, longest: int = 12) -> list[str]:
    """Outputs of more than `longest` epoch lines that are not folded away (hide-output)."""
    outputs = page.evaluate("""Array.from(document.querySelectorAll('.cell_output .output.stream'))
        .filter(e => e.offsetParent !== null).map(e => e.innerText)""")
    return [
        o.splitlines()[0][:80]
        for o in outputs
        if sum(line.lstrip().startswith("epoch") for line in o.splitlines()) > longest
    ]


def figures_without_captions(page) -> list[str]:
    """Figures with no caption, or whose alt text is a content hash instead of words."""
    figures = page.evaluate("""Array.from(document.querySelectorAll('.bd-article img')).map(i => ({
        alt: i.alt, caption: !!i.closest('figure') && !!i.closest('figure').querySelector('figcaption')}))""")
    return [f["alt"][:40] for f in figures if not f["caption"] or re.search(r"[0-9a-f]{32,}", f["alt"] or "")]


def corrections_without_admonition(page, claim: str) -> list[str]:
    """The seed correction `claim` (C9, C10, C11) must sit in an admonition on its chapter's page."""
    texts = page.evaluate("Array.from(document.querySelectorAll('.admonition')).map(a => a.innerText)")
    return [] if any(claim in t for t in texts) else [f"no admonition names {claim}"]


@polish
@pytest.mark.parametrize(
    "book, chapter", [("site", c) for c in PUBLISHED] + [("next_site", c) for c in CHAPTERS]
)  # the published run's pages, and the ones this commit's notebooks make
def test_chapter_hides_setup_code_folds_logs_and_captions_figures(request, browser, book, chapter):
    page = _open(browser, f"{request.getfixturevalue(book)}/book/{chapter}.html", 1400)
    problems = (
        visible_code_a_reader_does_not_need(page) + training_logs_shown_open(page) + figures_without_captions(page)
    )
    if chapter in CORRECTIONS:
        problems += corrections_without_admonition(page, CORRECTIONS[chapter])
    page.context.close()
    assert not problems, f"{chapter}: " + "; ".join(problems)
