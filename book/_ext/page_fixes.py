"""Sphinx extension for this book: drop script tags that the Jupyter Book v1 stack adds twice.

sphinx-thebe registers its inline configuration script once per docs read, and a Jupyter Book
build registers it twice (once with filename None, once ''), so every page declared `const THEBE_JS_URL` twice: a console error in every
browser. Keep the first copy of each identical script.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", script) or "", attributes)  # an inline script's filename is '' or None
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
