"""Sphinx extension for this book: repository buttons from one URL, one search field, no duplicate scripts.

- `repository.url` in _config.yml is the one switch for the header's repository and issues buttons and
  for the launch buttons: empty (the default) turns all of them off, a URL turns them on. Jupyter Book
  refuses `use_repository_button: true` without a URL, so _config.yml leaves the buttons off and
  this extension switches them on.
- The same setting fills `{{ repository }}` in the pages (the intro and the reproducibility page say where
  the code is, or that the address is not set).
- pydata-sphinx-theme 0.16+ adds a persistent search field to the header unless `navbar_persistent`
  is set; sphinx-book-theme 1.3 already has one in the sidebar, so the header showed a second, empty
  search bar. An empty `navbar_persistent` keeps only the theme's own (the search button still works).
- sphinx-thebe registers its inline configuration script once per docs read, and a Jupyter Book
  build registers it twice (once with filename None, once ''), so every page declared
  `const THEBE_JS_URL` twice: a console error in every browser. Keep the first copy of each identical script.
- pydata-sphinx-theme's CSS already draws every icon with Font Awesome's web font; its fontawesome.js
  (1.49 MB, most of each page's weight) only swaps those glyphs for SVGs. The build drops the script tag from
  every page and the file from _static/ (the template writes the tag, so it goes after the pages are written).
"""

import re
from pathlib import Path

REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button")  # on when repository.url is set
LAUNCH_KEYS = ("binderhub_url", "jupyterhub_url", "colab_url", "jupyterlite_url", "thebe")


def theme_options_for(options: dict) -> dict:
    """The theme options with the buttons driven by `repository_url` and a single search field."""
    options = dict(options)
    url = str(options.get("repository_url") or "").strip()
    for button in REPOSITORY_BUTTONS:
        options[button] = bool(url)
    if not url:  # launch buttons open the repository's notebooks: nothing to open without one
        options["launch_buttons"] = {
            k: v for k, v in (options.get("launch_buttons") or {}).items() if k not in LAUNCH_KEYS
        }
    options.setdefault("navbar_persistent", [])
    return options


def repository_text(url: str) -> str:
    """What the pages say where the repository is (`{{ repository }}` in MyST): its address, or that it has none."""
    url = url.strip()
    if url:
        return f"[{url}]({url})"
    return "the repository this book was built from (its public address is not set: `repository.url` in `_config.yml`)"


def _configure_theme(app, config):
    config.html_theme_options = theme_options_for(config.html_theme_options)
    url = str(config.html_theme_options.get("repository_url") or "")
    substitutions = dict(getattr(config, "myst_substitutions", None) or {})
    substitutions["repository"] = repository_text(url)
    config.myst_substitutions = substitutions


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", script) or "", attributes)  # an inline script's filename is '' or None
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


FONTAWESOME_JS = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')


def _remove_tags(outdir: Path, tag: re.Pattern, skip: str = "") -> int:
    """Remove every match of `tag` from the pages under `outdir` but the one named `skip`; return the pages changed."""
    changed = 0
    for page in Path(outdir).rglob("*.html"):
        if page.name == skip:
            continue
        text = page.read_text(encoding="utf-8")
        kept = tag.sub("", text)
        if kept != text:
            page.write_text(kept, encoding="utf-8")
            changed += 1
    return changed


def drop_fontawesome_js(outdir: Path) -> int:
    """Remove the theme's fontawesome.js tag from every page under `outdir` and its files; return the pages changed."""
    changed = _remove_tags(outdir, FONTAWESOME_JS)
    for script in (Path(outdir) / "_static" / "scripts").glob("fontawesome.js*"):
        script.unlink()
    return changed


SEARCH_AS_YOU_TYPE_JS = re.compile(
    r'[ \t]*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>\n?'
)


def drop_search_scripts(outdir: Path) -> int:
    """Remove the search index and its tools (0.11 MB, and the index grows with the book) from every page but the
    search page; return the pages changed. pydata-sphinx-theme loads them everywhere for its search-as-you-type
    option, which this book leaves off: the search box sends the query to search.html, which loads its own."""
    return _remove_tags(outdir, SEARCH_AS_YOU_TYPE_JS, skip="search.html")


def _trim_pages(app, exception):
    if exception is None and app.builder.format == "html":
        drop_fontawesome_js(Path(app.outdir))
        if not app.config.html_theme_options.get("search_as_you_type"):
            drop_search_scripts(Path(app.outdir))


def setup(app):
    app.connect("config-inited", _configure_theme, priority=900)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _trim_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
