// The panel of the selected leaf: metadata, the (bounded) value, and "copy key".
import { Disposer, Timer, h, logError } from "./dom.js";
import { formatInt, formatTime } from "./format.js";
import { asObject } from "./protocol.js";

export class DetailPanel {
  /**
   * @param {Disposer} disposer
   * @param {Navigator} [nav] where the clipboard is looked up (tests pass their own)
   */
  constructor(disposer, nav = navigator) {
    this._nav = nav;
    this.el = h("section", { class: "ldnb-detail", attrs: { "aria-label": "Selected key" } });
    this._python = "";
    /** @type {HTMLElement | null} */
    this._code = null;
    /** @type {HTMLElement | null} */
    this._status = null;
    this._clear = new Timer(disposer, () => this._say(""));
    disposer.listen(this.el, "click", (e) => {
      if (e.target instanceof Element && e.target.closest(".ldnb-copy")) this.copy();
    });
  }

  /**
   * Re-render from the `detail` trait (and `selected`, to tell when it is on its way).
   * @param {unknown} detail
   * @param {unknown} [selected]
   */
  update(detail, selected) {
    const d = asObject(detail);
    const sel = asObject(selected);
    this._code = null;
    this._status = null;
    this._python = "";
    if (typeof sel.path === "string" && (sel.path !== d.path || sel.format !== d.format)) {
      this.el.replaceChildren(
        h("p", { class: "ldnb-detail-waiting", text: `${sel.path}: waiting for the kernel…` }),
      );
      return;
    }
    this._python = typeof d.python === "string" ? d.python : "";
    if (typeof d.path !== "string") {
      this.el.replaceChildren(
        h("p", { class: "ldnb-detail-empty", text: "Select a key to see its value." }),
      );
      return;
    }
    this._code = h("code", { class: "ldnb-python", text: this._python });
    this._status = h("span", { class: "ldnb-copy-status", attrs: { role: "status" } });
    const copy = h("button", { class: "ldnb-copy", text: "copy key", attrs: { type: "button" } });
    const head = h("div", { class: "ldnb-detail-head" }, [this._code, copy, this._status]);
    if (d.found === false) {
      this.el.replaceChildren(
        head,
        h("p", { class: "ldnb-detail-missing", text: `${d.path}: not found (deleted?)` }),
      );
      return;
    }
    const meta = h("dl", { class: "ldnb-meta" });
    /** @type {[string, string][]} */
    const fields = [
      ["path", d.path],
      ["format", String(d.format ?? "")],
      ["ETag", String(d.etag ?? "")],
      ["time", formatTime(d.ts)],
      ["type", String(d.type ?? "")],
    ];
    for (const [name, value] of fields) {
      meta.append(
        h("dt", { class: "ldnb-meta-label", text: name }),
        h("dd", { class: `ldnb-meta-value ldnb-meta-${name.toLowerCase()}`, text: value }),
      );
    }
    const preview = String(d.preview ?? "");
    const parts = [head, meta, h("pre", { class: "ldnb-value", text: preview })];
    if (d.truncated) {
      parts.push(
        h("p", {
          class: "ldnb-truncated",
          text: `truncated: the first ${formatInt(preview.length)} characters are shown`,
        }),
      );
    }
    this.el.replaceChildren(...parts);
  }

  /** Copy the key as Python (`d["a", "b"]`); select it when there is no clipboard. */
  copy() {
    const text = this._python;
    if (!text) return;
    const clip = this._nav?.clipboard;
    if (clip && typeof clip.writeText === "function") {
      clip.writeText(text).then(
        () => this._say("copied"),
        (err) => {
          logError("clipboard write failed", err);
          this._select();
        },
      );
    } else {
      this._select();
    }
  }

  /** Select the key's text so the user can copy it by hand. */
  _select() {
    const code = this._code;
    const sel = typeof window.getSelection === "function" ? window.getSelection() : null;
    if (code && sel) {
      sel.selectAllChildren(code);
      this._say("selected: press Ctrl+C / ⌘C");
    }
  }

  /** @param {string} text */
  _say(text) {
    if (this._status) this._status.textContent = text;
    if (text) this._clear.start(2000);
  }
}
