"""Formulas written as MathML when the book is built: browsers draw MathML Core themselves (Chromium 109+, Firefox,
Safari), so a page with a formula loads no typesetting script (MathJax's was 1.16 MB for the book's dozen formulas).

`latex2mathml` (pure Python) converts each formula; one it cannot convert stops the build, naming the page, the
line and the formula, rather than shipping raw TeX. Set `html_math_renderer: mathml` in the Sphinx config.
"""

from __future__ import annotations

import re
import unicodedata

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.errors import ExtensionError
from sphinx.util.math import get_node_equation_number

OPERATOR_AS_IDENTIFIER = re.compile(r"<mi>&#x([0-9A-Fa-f]+);</mi>")


def _as_operator(match: re.Match) -> str:
    """A maths symbol written as an identifier (latex2mathml writes \\pm as <mi>) becomes the operator it is, so
    the browser spaces it as one."""
    char = chr(int(match.group(1), 16))
    return f"<mo>{char}</mo>" if unicodedata.category(char) == "Sm" else match.group(0)


def to_mathml(latex: str, display: bool = False) -> str:
    """`latex` as one <math> element (display="block" for a displayed formula); a ValueError names the formula."""
    try:
        mathml = convert(latex.strip(), display="block" if display else "inline")
    except Exception as e:  # latex2mathml raises its own types (and IndexError/KeyError) on TeX it does not know
        raise ValueError(f"cannot write {latex!r} as MathML ({type(e).__name__}: {e}); simplify the formula") from e
    mathml = OPERATOR_AS_IDENTIFIER.sub(_as_operator, mathml)
    unknown = re.findall(r">(\\[A-Za-z]+)<", mathml)  # a command latex2mathml does not know is kept as text
    if unknown:
        raise ValueError(f"cannot write {latex!r} as MathML: {', '.join(unknown)} unknown to latex2mathml")
    return mathml


def _where(node: nodes.Node) -> str:
    return f"{node.source or 'a page'}, line {node.line}" if node.line else str(node.source or "a page")


def _convert(node: nodes.Node, display: bool) -> str:
    try:
        return to_mathml(node.astext(), display)
    except ValueError as e:
        raise ExtensionError(f"{_where(node)}: {e}") from e


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_convert(node, display=False) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})</span>')
    self.body.append(_convert(node, display=True) + "</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
