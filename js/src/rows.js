// The rows of the tree in the DOM: every row while the list is short, and once it is
// long only the rows in view plus a margin, between two spacers (fixed row height).
import { buildRow, rowSignature } from "./rowview.js";

/** @typedef {import("./state.js").VisibleRow} VisibleRow */

/** Height of a row in pixels; widget.js puts it into CSS as --ldnb-row-height. */
export const ROW_HEIGHT = 24;
/** Lists longer than this are virtualised. */
export const VIRTUAL_AFTER = 200;
/** Rows rendered above and below the viewport. */
export const OVERSCAN = 20;
/** Viewport height used before layout (and where there is none, as in tests). */
export const FALLBACK_VIEWPORT = 480;

export class RowList {
  /**
   * @param {HTMLElement} container the scrolling role="tree" element
   * @param {(el: HTMLElement, row: VisibleRow, index: number) => void} decorate
   *   applies the state that changes often (focus, selection, flash, match)
   */
  constructor(container, decorate) {
    this.container = container;
    this._decorate = decorate;
    this._top = spacer("ldnb-spacer-top");
    this._bottom = spacer("ldnb-spacer-bottom");
    container.append(this._top, this._bottom);
    /** @type {VisibleRow[]} */
    this.rows = [];
    /** @type {Map<string, { el: HTMLElement, sig: string }>} */
    this._cache = new Map();
    this.start = 0;
    this.end = 0;
    this.virtual = false;
  }

  /**
   * Show a new list of rows.
   * @param {VisibleRow[]} rows
   */
  setRows(rows) {
    this.rows = rows;
    this.virtual = rows.length > VIRTUAL_AFTER;
    this.container.classList.toggle("ldnb-virtual", this.virtual);
    this.render(true);
  }

  /** @returns {[number, number]} the rows to render, [start, end) */
  window() {
    const n = this.rows.length;
    if (!this.virtual) return [0, n];
    const height = this.container.clientHeight || FALLBACK_VIEWPORT;
    const visible = Math.ceil(height / ROW_HEIGHT);
    const top = Math.floor(Math.max(0, this.container.scrollTop) / ROW_HEIGHT);
    const first = Math.min(top, Math.max(0, n - visible)); // scrollTop may be stale
    return [Math.max(0, first - OVERSCAN), Math.min(n, first + visible + OVERSCAN)];
  }

  /**
   * Render the window; unless `force`, only when it moved (scrolling).
   * @param {boolean} [force]
   */
  render(force = false) {
    const [start, end] = this.window();
    if (!force && start === this.start && end === this.end) return;
    this.start = start;
    this.end = end;
    /** @type {Map<string, { el: HTMLElement, sig: string }>} */
    const cache = new Map();
    /** @type {HTMLElement[]} */
    const els = [];
    for (let i = start; i < end; i += 1) {
      const vr = this.rows[i];
      const sig = rowSignature(vr);
      let entry = cache.has(vr.key) ? undefined : this._cache.get(vr.key);
      if (!entry || entry.sig !== sig) entry = { el: buildRow(vr), sig };
      if (!cache.has(vr.key)) cache.set(vr.key, entry);
      this._decorate(entry.el, vr, i);
      els.push(entry.el);
    }
    this._cache = cache;
    this._place(els);
    this._top.style.height = `${start * ROW_HEIGHT}px`;
    this._bottom.style.height = `${(this.rows.length - end) * ROW_HEIGHT}px`;
  }

  /**
   * Put `els` between the spacers, moving as few nodes as possible (moving the
   * focused row would blur it).
   * @param {HTMLElement[]} els
   */
  _place(els) {
    const keep = new Set(els);
    for (let node = this._top.nextSibling; node && node !== this._bottom;) {
      const next = node.nextSibling;
      if (!keep.has(/** @type {HTMLElement} */ (node))) node.remove();
      node = next;
    }
    let cursor = this._top.nextSibling;
    for (const el of els) {
      if (cursor === el) cursor = cursor.nextSibling;
      else this.container.insertBefore(el, cursor);
    }
  }

  /** Re-apply decorations to the rendered rows (focus, selection, marks). */
  redecorate() {
    for (let i = this.start; i < this.end; i += 1) {
      const entry = this._cache.get(this.rows[i].key);
      if (entry) this._decorate(entry.el, this.rows[i], i);
    }
  }

  /**
   * The element of row `index` if it is rendered.
   * @param {number} index
   * @returns {HTMLElement | null}
   */
  elementAt(index) {
    if (index < this.start || index >= this.end) return null;
    return this._cache.get(this.rows[index].key)?.el ?? null;
  }

  /**
   * Scroll so that row `index` is in view, and render it.
   * @param {number} index
   */
  reveal(index) {
    if (this.virtual) {
      const height = this.container.clientHeight || FALLBACK_VIEWPORT;
      const top = index * ROW_HEIGHT;
      const scrollTop = this.container.scrollTop;
      if (top < scrollTop) this.container.scrollTop = top;
      else if (top + ROW_HEIGHT > scrollTop + height) {
        this.container.scrollTop = top + ROW_HEIGHT - height;
      }
      this.render();
    }
    const el = this.elementAt(index);
    if (el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "nearest" });
  }
}

/**
 * @param {string} cls
 * @returns {HTMLElement}
 */
function spacer(cls) {
  const el = document.createElement("div");
  el.className = `ldnb-spacer ${cls}`;
  el.setAttribute("role", "none");
  el.setAttribute("aria-hidden", "true");
  return el;
}
