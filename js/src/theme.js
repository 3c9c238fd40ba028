// Light or dark: read the host's own signal first (VS Code, JupyterLab, marimo), then
// the OS preference, and follow changes while the view is shown.

/** @typedef {"dark" | "light"} Theme */

const DARK_QUERY = "(prefers-color-scheme: dark)";

/**
 * The theme the host says it uses, or null when it says nothing.
 * @param {Document} doc
 * @returns {Theme | null}
 */
export function hostTheme(doc) {
  const body = doc.body;
  const html = doc.documentElement;
  if (body) {
    const cls = body.classList;
    // VS Code notebooks: vscode-light, vscode-dark, vscode-high-contrast(-light).
    if (cls.contains("vscode-high-contrast-light") || cls.contains("vscode-light")) return "light";
    if (cls.contains("vscode-dark") || cls.contains("vscode-high-contrast")) return "dark";
    // JupyterLab and Notebook 7.
    const jp = body.getAttribute("data-jp-theme-light");
    if (jp === "false") return "dark";
    if (jp === "true") return "light";
  }
  // marimo puts `dark` / `dark-theme` (or `light`) on body; others put it on <html>.
  for (const node of [body, html]) {
    if (!node) continue;
    if (node.classList.contains("dark") || node.classList.contains("dark-theme")) return "dark";
    if (node.classList.contains("light") || node.classList.contains("light-theme")) return "light";
    const data = node.getAttribute("data-theme");
    if (data === "dark" || data === "light") return data;
  }
  return null;
}

/**
 * The theme to use for the view.
 * @param {Window} win
 * @returns {Theme}
 */
export function detectTheme(win) {
  const fromHost = hostTheme(win.document);
  if (fromHost) return fromHost;
  const mq = typeof win.matchMedia === "function" ? win.matchMedia(DARK_QUERY) : null;
  return mq?.matches ? "dark" : "light";
}

/**
 * Set `ldnb-theme-dark` / `ldnb-theme-light` on `root` now and whenever the host's
 * theme or the OS preference changes.
 * @param {HTMLElement} root
 * @param {import("./dom.js").Disposer} disposer
 * @param {Window} [win]
 */
export function followTheme(root, disposer, win = window) {
  const apply = () => {
    const theme = detectTheme(win);
    root.classList.toggle("ldnb-theme-dark", theme === "dark");
    root.classList.toggle("ldnb-theme-light", theme === "light");
  };
  apply();
  if (typeof win.matchMedia === "function") {
    const mq = win.matchMedia(DARK_QUERY);
    if (mq && typeof mq.addEventListener === "function") disposer.listen(mq, "change", apply);
  }
  if (typeof MutationObserver === "function") {
    const observer = new MutationObserver(apply);
    const options = {
      attributes: true,
      attributeFilter: ["class", "data-jp-theme-light", "data-theme"],
    };
    if (win.document.body) observer.observe(win.document.body, options);
    observer.observe(win.document.documentElement, options);
    disposer.add(() => observer.disconnect());
  }
}
