"""Text-like formats: plain text and Markdown (lines and headings kept), HTML, CSV, RTF and
Jupyter notebooks."""

from __future__ import annotations

import io
import re

from .extracted import Builder, Extracted, Skip, table_lines

# -- text-like files -----------------------------------------------------------------------------
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
_FENCE = re.compile(r"^(```|~~~)", re.M)


def markdown_headings(text: str) -> list[tuple[int, str]]:
    """ATX headings (`## Budget`) outside fenced code blocks."""
    fenced = []
    opened = None
    for m in _FENCE.finditer(text):
        if opened is None:
            opened = m.start()
        else:
            fenced.append((opened, m.end()))
            opened = None
    return [
        (m.start(), m.group(2))
        for m in _MD_HEADING.finditer(text)
        if not any(a <= m.start() < b for a, b in fenced)
    ]


def plain(text: str, markdown: bool = False) -> Extracted:
    return Extracted(text, headings=markdown_headings(text) if markdown else [], line_based=True)


# -- HTML (selectolax, lexbor engine) -------------------------------------------------------------
_BLOCK = {
    "p", "div", "li", "br", "section", "article", "blockquote", "pre", "dt", "dd", "header",
    "footer", "main", "nav", "aside", "figure", "figcaption", "ul", "ol", "dl", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "caption", "address", "details", "summary",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


# The HTML parser's time grows with the square of the nesting depth (20,000 nested
# <div>s: 4 s; 200,000: many minutes). Real pages nest tens of levels deep.
MAX_HTML_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)[^>]*?(/?)>")
# Elements that never hold others open: void ones, and ones the parser closes itself.
_FLAT = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "p", "li", "dt", "dd", "option", "tr", "td", "th", "thead",
    "tbody", "tfoot", "colgroup", "rp", "rt", "optgroup", "html", "head", "body",
}  # fmt: skip


def html_depth(source: str, limit: int = MAX_HTML_DEPTH) -> int:
    """How deep the elements of `source` nest, counted up to just past `limit`."""
    depth = deepest = 0
    for m in _TAG.finditer(source):
        closing, name, self_closing = m.groups()
        if self_closing or name.lower() in _FLAT:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def html(source: str) -> Extracted:
    from selectolax.lexbor import LexborHTMLParser

    if html_depth(source) > MAX_HTML_DEPTH:
        raise Skip(f"HTML nested more than {MAX_HTML_DEPTH:,} elements deep (damaged or hostile)")
    tree = LexborHTMLParser(source)
    for node in tree.css("script, style, noscript, template, head, svg"):
        node.decompose()
    for table in tree.css("table"):
        rows = [[c.text(deep=True, strip=True) for c in tr.css("th, td")] for tr in table.css("tr")]
        table.replace_with("\n" + "\n".join(table_lines(rows)) + "\n")
    root = tree.body or tree.root
    if root is None:
        return Extracted("")
    b = Builder()
    line: list[str] = []

    def flush() -> None:
        text = re.sub(r"[ \t\r\f\v]+", " ", "".join(line)).strip()
        line.clear()
        for para in re.split(r"\n\s*\n", text):
            b.add(para.strip())

    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            line.append(node.text_content or "")
        elif node.tag in _BLOCK:
            flush()
            if node.tag in _HEADINGS:
                b.heading(node.text(deep=True, strip=True))
    flush()
    return b.done()


def csv_text(text: str) -> Extracted:
    import csv

    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows, lines_at = [], []
    start = 1
    for row in reader:
        rows.append(row)
        lines_at.append(start)
        start = reader.line_num + 1
    b = Builder()
    kept = [(n, r) for n, r in zip(lines_at, rows) if any(c.strip() for c in r)]
    for (n, _), line in zip(kept, table_lines([r for _, r in kept])):
        b.mark(line=n)
        b.add(line, sep="\n")
    return b.done()


def rtf(text: str) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    return Extracted(rtf_to_text(text, errors="ignore"))


# -- Jupyter notebooks (JSON: markdown and code cells, outputs left out) ---------------------------
def ipynb(text: str) -> Extracted:
    import json

    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise Skip(f"unreadable notebook ({type(exc).__name__})") from exc
    b = Builder()
    for n, cell in enumerate(cells, 1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") not in ("markdown", "code") or not source.strip():
            continue
        b.mark(cell=n)
        offset = b.add(source)
        if cell.get("cell_type") == "markdown":
            b.out.headings += [(offset + o, h) for o, h in markdown_headings(source)]
    return b.done()
