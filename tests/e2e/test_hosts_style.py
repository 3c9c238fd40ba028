"""The tree view's styles in a real host page: one theme decision, readable text, host
rules that do not win, and no deprecation warning from anywidget.

The contrast test makes the page lie the way VS Code's widget renderer does: the
page's ``--jp-*`` variables are the other theme's (JupyterLab's own theme stylesheet,
injected) while the body's class or ``data-jp-theme-light`` says which theme is in use.
Colours are read with getComputedStyle, backgrounds composited up the ancestors, and
the WCAG contrast of every piece of text in the view is computed here.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

WAIT = 30_000  # ms
MIN_CONTRAST = 4.5

SETUP = """\
import localdict_nb

d = localdict_nb.LocalDict()
for i in range(4):
    d["alpha", f"k{i}"] = {"i": i, "text": "some value " * 4}
d["beta"] = "a short value"
d["gamma"] = list(range(30))
d["delta"] = {"nested": {"x": 1}}
d"""

# --------------------------------------------------------------------------- page helpers

_JS_SET_HOST_THEME = """\
async ([vars, bodyClass, jpLight]) => {
    const body = document.body;
    const html = document.documentElement;
    if (!window.__ldnbHost) {
        window.__ldnbHost = {cls: body.className, light: body.getAttribute('data-jp-theme-light'),
                             style: html.getAttribute('style')};
    }
    const host = window.__ldnbHost;
    const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
    const base = (config.themesUrl || '/lab/api/themes').replace(/\\/$/, '');
    const url = `${base}/@jupyterlab/theme-${vars}-extension/index.css`;
    const css = await (await fetch(url)).text();
    const block = css.match(/:root\\s*{([^}]*)}/)[1];
    // Inline on <html>: it wins over the page's own theme stylesheet, wherever that is.
    if (host.style === null) html.removeAttribute('style');
    else html.setAttribute('style', host.style);
    for (const decl of block.split(';')) {
        const i = decl.indexOf(':');
        if (i > 0 && decl.trim().startsWith('--jp-')) {
            html.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
        }
    }
    body.className = host.cls;
    body.classList.remove('vscode-light', 'vscode-dark');
    if (bodyClass) body.classList.add(bodyClass);
    body.setAttribute('data-jp-theme-light', jpLight);
    return getComputedStyle(body).getPropertyValue('--jp-layout-color0').trim();
}"""

# Every element of the view with text of its own, with its colour and the background
# colours from it up to the first opaque one. The flash is measured on a leaf row given
# the class (its animation paused at the start, where the highlight is strongest).
_JS_TEXT_COLOURS = """\
(root) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    const rgba = (css) => {
        ctx.clearRect(0, 0, 1, 1);
        ctx.fillStyle = 'rgba(0, 0, 0, 0)';
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
        return [r, g, b, a / 255];
    };
    const layers = (el) => {
        const out = [];
        for (let n = el; n; n = n.parentElement) {
            const c = rgba(getComputedStyle(n).backgroundColor);
            if (c[3] > 0) out.push(c);
            if (c[3] >= 1) break;
        }
        return out;
    };
    const where = (el) => {
        const parts = [];
        for (let n = el; n && n !== root; n = n.parentElement) {
            const cls = [...n.classList].filter((c) => c.startsWith('ldnb-')).join('.');
            parts.unshift(n.tagName.toLowerCase() + (cls ? '.' + cls : ''));
        }
        return parts.join(' > ');
    };
    const measure = (scope, label) => {
        const out = [];
        const els = [scope, ...scope.querySelectorAll('*')];
        for (const el of els) {
            if (el.closest('.ldnb-fade, .ldnb-ghost')) continue;
            const own = [...el.childNodes].some(
                (n) => n.nodeType === 3 && n.textContent.trim() !== '');
            if (!own || el.getClientRects().length === 0) continue;
            const style = getComputedStyle(el);
            if (style.visibility !== 'visible') continue;
            out.push({label, where: where(el), text: el.textContent.trim().slice(0, 40),
                      fg: rgba(style.color), bgs: layers(el)});
        }
        return out;
    };
    const found = measure(root, 'view');
    const input = root.querySelector('.ldnb-search-input');
    const ph = getComputedStyle(input, '::placeholder').color;
    found.push({label: 'search input', where: 'input.ldnb-search-input',
                text: input.value, fg: rgba(getComputedStyle(input).color), bgs: layers(input)});
    found.push({label: 'placeholder', where: 'input::placeholder', text: input.placeholder,
                fg: rgba(ph), bgs: layers(input)});
    const row = root.querySelector(
        '.ldnb-row.ldnb-leaf:not(.ldnb-match):not([aria-selected="true"])');
    row.classList.add('ldnb-flash');
    getComputedStyle(row).backgroundColor;  // start the animation
    for (const a of row.getAnimations()) { a.pause(); a.currentTime = 0; }
    const flashBg = rgba(getComputedStyle(row).backgroundColor);
    found.push(...measure(row, 'flash'));
    row.classList.remove('ldnb-flash');
    const theme = [...root.classList].filter((c) => c.startsWith('ldnb-theme-'));
    return {theme, flashBg, found};
}"""


def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _over(top: list[float], below: tuple[float, float, float]) -> tuple[float, float, float]:
    a = top[3]
    return (
        top[0] * a + below[0] * (1 - a),
        top[1] * a + below[1] * (1 - a),
        top[2] * a + below[2] * (1 - a),
    )


def _contrast(fg: list[float], bgs: list[list[float]]) -> float:
    """WCAG contrast of text colour ``fg`` on the layers ``bgs`` (innermost first)."""
    bg: tuple[float, float, float] = (255.0, 255.0, 255.0)  # under everything: the canvas
    for layer in reversed(bgs):
        bg = _over(layer, bg)
    text = _over(fg, bg)
    hi, lo = sorted((_luminance(text), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _show_view(nb: Any) -> tuple[Any, Any]:
    """Run the setup cell; return the output and the view's root."""
    out = nb.run_cell(0)
    tree = out.get_by_role("tree")
    expect(tree).to_have_count(1, timeout=WAIT)
    expect(tree).to_be_visible()
    return out, out.locator(".ldnb-root")


def _row(tree: Any, name: str) -> Any:
    exact = re.compile(rf"^\s*{re.escape(name)}\s*$")
    return tree.get_by_role("treeitem").filter(has=tree.page.locator(".ldnb-name", has_text=exact))


def _select(out: Any, name: str, expect_text: str) -> Any:
    tree = out.get_by_role("tree")
    row = _row(tree, name)
    row.click()
    expect(row).to_have_attribute("aria-selected", "true", timeout=WAIT)
    detail = out.get_by_role("region", name="Selected key")
    expect(detail).to_contain_text(expect_text, timeout=WAIT)
    return detail


# --------------------------------------------------------------------------- tests

# (vars of the page, body class, data-jp-theme-light, the theme the view must choose)
HOST_THEMES = [
    ("light", "vscode-dark", "true", "dark"),  # VS Code's widget renderer in a dark theme
    ("dark", "vscode-light", "false", "light"),
    ("light", "", "false", "dark"),
    ("dark", "", "true", "light"),
    ("light", "", "true", "light"),  # JupyterLab Light as it is
    ("dark", "", "false", "dark"),  # JupyterLab Dark as it is
]


def test_every_text_is_readable_in_the_theme_the_view_decides(
    open_notebook: Any, jupyter: Any
) -> None:
    flavor = jupyter.flavor
    nb = open_notebook(f"style-contrast-{flavor}", [SETUP])
    page = nb.page
    out, root = _show_view(nb)
    _row(out.get_by_role("tree"), "alpha").click()
    expect(_row(out.get_by_role("tree"), "k2")).to_have_count(1, timeout=WAIT)
    _select(out, "beta", "a short value")
    search = out.get_by_role("searchbox", name="Search keys")
    search.fill("gamma")
    expect(out.locator(".ldnb-row.ldnb-match")).to_have_count(1, timeout=WAIT)
    page.mouse.move(0, 0)

    failures: list[str] = []
    for vars_, body_class, jp_light, theme in HOST_THEMES:
        case = f"[{flavor}] {vars_} --jp-* vars, body class {body_class!r}, "
        case += f"data-jp-theme-light={jp_light}"
        layout0 = page.evaluate(_JS_SET_HOST_THEME, [vars_, body_class, jp_light])
        assert layout0 == ("white" if vars_ == "light" else "#111"), f"{case}: {layout0!r}"
        expect(root).to_have_class(re.compile(rf"\bldnb-theme-{theme}\b"), timeout=WAIT)
        result = root.evaluate(_JS_TEXT_COLOURS)
        assert result["theme"] == [f"ldnb-theme-{theme}"], f"{case}: {result['theme']}"
        found = result["found"]
        wheres = " ".join(f["where"] for f in found)
        for part in (
            "header", "ldnb-row", "ldnb-match", "> dt", "> dd", "pre.ldnb-value",
            "ldnb-strip", "ldnb-search-status",
        ):  # fmt: skip
            assert part in wheres, f"{case}: no text measured in {part}: {wheres}"
        assert any(f["label"] == "flash" for f in found), f"{case}: flash not measured"
        assert result["flashBg"][3] > 0, f"{case}: the flash shows no background"
        worst = min(_contrast(f["fg"], f["bgs"]) for f in found)
        print(f"{case}: decided {theme}, lowest contrast {worst:.2f} over {len(found)} texts")
        for f in found:
            ratio = _contrast(f["fg"], f["bgs"])
            if ratio < MIN_CONTRAST:
                failures.append(
                    f"{case} -> {theme}: {f['label']} {f['where']} {f['text']!r}: {ratio:.2f} "
                    f"(text {f['fg']} on {f['bgs']})"
                )
    nb.screenshot(f"{flavor}-style-contrast.png")
    assert not failures, f"{len(failures)} texts below {MIN_CONTRAST}:1\n" + "\n".join(failures)


def test_the_views_own_styles_beat_the_output_area_rules(open_notebook: Any, jupyter: Any) -> None:
    nb = open_notebook(f"style-host-rules-{jupyter.flavor}", [SETUP])
    out, root = _show_view(nb)
    detail = _select(out, "delta", "nested")
    assert root.evaluate("(el) => !!el.closest('.jp-OutputArea-output')")

    value = detail.locator("pre.ldnb-value")
    style = value.evaluate(
        """(el) => { const s = getComputedStyle(el); return {
            padding: s.paddingTop, border: s.borderTopWidth, borderStyle: s.borderTopStyle,
            font: s.fontFamily, whiteSpace: s.whiteSpace}; }"""
    )
    assert style["padding"] == "6px", style
    assert style["border"] == "1px" and style["borderStyle"] == "solid", style
    assert "monospace" in style["font"], style
    assert style["whiteSpace"] == "pre-wrap", style

    meta = detail.locator("dl")
    assert meta.evaluate("(el) => getComputedStyle(el).display") == "grid"
    labels = detail.locator("dt")
    expect(labels).to_have_count(5)
    for i in range(labels.count()):
        dt = labels.nth(i).evaluate(
            """(el) => { const s = getComputedStyle(el);
                return {weight: s.fontWeight, float: s.float}; }"""
        )
        assert dt == {"weight": "400", "float": "none"}, dt
    dd = detail.locator("dd").first.evaluate("(el) => getComputedStyle(el).float")
    assert dd == "none"


def test_displaying_the_view_logs_no_deprecation(page: Any, open_notebook: Any,
                                                jupyter: Any) -> None:
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    nb = open_notebook(f"style-deprecation-{jupyter.flavor}", [SETUP, "d"])
    _show_view(nb)
    nb.run_cell(1)
    expect(nb.output(1).get_by_role("tree")).to_have_count(1, timeout=WAIT)
    deprecated = [m for m in messages if "deprecated" in m.lower()]
    assert not deprecated, "\n".join(deprecated)
