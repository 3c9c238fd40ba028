// The tree: rows from the traits, live marks, a roving tabindex, and the requests the
// user makes (expand, collapse, show more, select), written back as traits.
import { Disposer, Timer, activeIn, guard, h } from "./dom.js";
import { keyAction } from "./keyboard.js";
import { LiveMarks } from "./live.js";
import { MAX_EXPANDED, asArray, asObject } from "./protocol.js";
import { RowList } from "./rows.js";
import { visibleRows, withCollapsed, withExpanded, withMore, withoutLimits } from "./state.js";

/** @typedef {import("./protocol.js").Model} Model */
/** @typedef {import("./state.js").VisibleRow} VisibleRow */

export class Tree {
  /**
   * @param {Model} model
   * @param {Disposer} disposer
   * @param {(text: string) => void} [say] shows a short message to the user
   * @param {LiveMarks} [marks]
   */
  constructor(model, disposer, say = () => {}, marks = new LiveMarks()) {
    this.model = model;
    this._say = say;
    this.marks = marks;
    this.el = h("div", {
      class: "ldnb-tree",
      attrs: {
        role: "tree",
        "aria-label": "Keys",
        tabindex: "-1",
        "data-lm-suppress-shortcuts": "true",
      },
    });
    this.list = new RowList(this.el, (el, vr, i) => this._decorate(el, vr, i));
    /** Key of the row holding the roving tabindex. */
    this.focusKey = "";
    this._focusIndex = 0;
    /** @type {Set<string>} */
    this._matches = new Set();
    /** @type {WeakMap<HTMLElement, number>} */
    this._flashStamps = new WeakMap();
    /** Focus is being moved to the tree element by us, not by the user. */
    this._parking = false;
    this._expiry = new Timer(disposer, () => this.refresh());
    this._disposer = disposer;
    /** A refresh is due (a trait changed since the last one). */
    this._due = false;
    /** A microtask to refresh is queued. */
    this._queued = false;
    /** Focus the first search match after the next refresh. */
    this._jump = false;
    marks.prime(model.get("changes"));

    disposer.listen(this.el, "keydown", (e) => this._onKey(e));
    disposer.listen(this.el, "click", (e) => this._onClick(e));
    disposer.listen(this.el, "focusin", (e) => this._onFocusIn(e));
    disposer.listen(this.el, "scroll", () => this._onScroll());
    // One kernel message sets several traits, each firing its change event: refresh
    // once, after the last. Marks are taken at once, so a batch never hides a write.
    disposer.on(model, "change:changes", () => {
      marks.apply(model.get("changes"));
      this._schedule();
    });
    for (const name of ["listings", "expanded", "limits", "selected", "search_result"]) {
      disposer.on(model, `change:${name}`, () => this._schedule());
    }
    this.refresh();
  }

  /** Refresh once the current batch of change events is over (a microtask later). */
  _schedule() {
    this._due = true;
    if (this._queued) return;
    this._queued = true;
    queueMicrotask(
      guard("refresh", () => {
        this._queued = false;
        if (this._due && !this._disposer.disposed) this.refresh();
      }),
    );
  }

  /** Recompute the rows from the traits and render them. */
  refresh() {
    this._due = false;
    const hadFocus = this.el.contains(activeIn(this.el));
    this.marks.apply(this.model.get("changes"));
    this.marks.expire();
    this._matches = new Set(asArray(asObject(this.model.get("search_result")).matches));
    const input = () => ({
      listings: this.model.get("listings"),
      expanded: this.model.get("expanded"),
      limits: this.model.get("limits"),
      ghosts: this.marks.ghosts(),
    });
    let rows = visibleRows(input());
    if (this.marks.collectGhosts(this.list.rows, new Set(rows.map((r) => r.key)))) {
      rows = visibleRows(input());
    }
    const found = rows.findIndex((r) => r.key === this.focusKey);
    this._focusIndex =
      found >= 0 ? found : Math.max(0, Math.min(this._focusIndex, rows.length - 1));
    this.focusKey = rows[this._focusIndex]?.key ?? "";
    this.list.setRows(rows);
    this._syncTreeTabindex();
    if (hadFocus) this._focusRow(this._focusIndex, false);
    if (this._jump) {
      this._jump = false;
      this.focusFirstMatch();
    }
    const next = this.marks.expire();
    if (next === null) this._expiry.cancel();
    else this._expiry.start(next + 20);
  }

  /** @returns {VisibleRow[]} */
  get rows() {
    return this.list.rows;
  }

  /**
   * Move the roving focus to row `index` and focus its element.
   * @param {number} index
   * @param {boolean} [reveal]
   */
  _focusRow(index, reveal = true) {
    if (index < 0 || index >= this.rows.length) return;
    this._focusIndex = index;
    this.focusKey = this.rows[index].key;
    if (reveal) this.list.reveal(index);
    this.list.redecorate();
    this._syncTreeTabindex();
    this.list.elementAt(index)?.focus({ preventScroll: !reveal });
  }

  /**
   * Focus the first match once the rows of the current batch are in: hosts set the
   * traits of one message one by one (marimo fires change:search_result before the
   * listings of the nodes the search opened).
   */
  focusFirstMatchSoon() {
    this._jump = true;
    this._schedule();
  }

  /** Focus the first row that matches the search, if any. */
  focusFirstMatch() {
    this._matches = new Set(asArray(asObject(this.model.get("search_result")).matches));
    const index = this.rows.findIndex((r) => r.kind === "leaf" && this._matches.has(r.path));
    if (index >= 0) this._focusRow(index);
  }

  /** The tree itself takes Tab focus when the focused row is scrolled out of the DOM. */
  _syncTreeTabindex() {
    const rendered = this.list.elementAt(this._focusIndex) !== null;
    this.el.setAttribute("tabindex", rendered || this.rows.length === 0 ? "-1" : "0");
  }

  /**
   * @param {HTMLElement} el
   * @param {VisibleRow} vr
   * @param {number} index
   */
  _decorate(el, vr, index) {
    el.setAttribute("tabindex", index === this._focusIndex ? "0" : "-1");
    if (vr.kind === "node" && !vr.ghost) el.setAttribute("aria-expanded", String(!!vr.expanded));
    if (vr.kind === "leaf" && vr.row?.type === "leaf") {
      const sel = asObject(this.model.get("selected"));
      const on = sel.path === vr.path && sel.format === vr.row.format;
      el.setAttribute("aria-selected", String(on));
      el.classList.toggle("ldnb-match", this._matches.has(vr.path));
    }
    const fade = vr.row ? this.marks.fade(vr.path) : null;
    el.classList.toggle("ldnb-fade", fade !== null);
    el.classList.toggle("ldnb-pruned", !!fade?.pruned);
    const stamp = vr.row && !vr.ghost ? this.marks.flashStamp(vr.path) : 0;
    if (stamp && this._flashStamps.get(el) !== stamp) {
      el.classList.remove("ldnb-flash");
      void el.offsetWidth; // restart the CSS animation
      el.classList.add("ldnb-flash");
      this._flashStamps.set(el, stamp);
    } else if (!stamp) {
      el.classList.remove("ldnb-flash");
      this._flashStamps.delete(el);
    }
  }

  /**
   * Do what the row at `index` offers: open or close a node, select a leaf, show more.
   * @param {number} index
   */
  activate(index) {
    const vr = this.rows[index];
    if (!vr || vr.ghost) return;
    if (vr.kind === "node") this._setOpen(vr, !vr.expanded);
    else if (vr.kind === "leaf" && vr.row?.type === "leaf") {
      this.model.set("selected", { path: vr.path, format: vr.row.format });
      this.model.save_changes();
      this.list.redecorate();
    } else if (vr.kind === "more") {
      this.model.set("limits", withMore(this.model.get("limits"), vr.path, vr.shown ?? 0));
      this.model.save_changes();
      this.refresh();
    }
  }

  /**
   * @param {VisibleRow} vr a node row
   * @param {boolean} open
   */
  _setOpen(vr, open) {
    const m = this.model;
    if (open) {
      const expanded = withExpanded(m.get("expanded"), vr.path);
      if (expanded.length > MAX_EXPANDED) {
        this._say(`At most ${MAX_EXPANDED} nodes can be open; close some first.`);
        return;
      }
      m.set("expanded", expanded);
    } else {
      this.focusKey = vr.key; // focus stays on the node, not on a vanished child
      m.set("expanded", withCollapsed(m.get("expanded"), vr.path));
      const limits = asObject(m.get("limits"));
      const trimmed = withoutLimits(limits, vr.path);
      if (Object.keys(trimmed).length !== Object.keys(limits).length) m.set("limits", trimmed);
    }
    m.save_changes();
    this.refresh();
  }

  /** @param {KeyboardEvent} e */
  _onKey(e) {
    e.stopPropagation(); // the notebook must not act on keys meant for the tree
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const action = keyAction(e.key, this.rows, this._focusIndex);
    if (!action) return;
    e.preventDefault();
    const vr = this.rows[action.index];
    if (action.type === "focus") this._focusRow(action.index);
    else if (action.type === "expand") this._setOpen(vr, true);
    else if (action.type === "collapse") this._setOpen(vr, false);
    else this.activate(action.index);
  }

  /** Render the rows scrolled into view; keep the keyboard focus inside the tree. */
  _onScroll() {
    const hadFocus = this.el.contains(activeIn(this.el));
    this.list.render();
    this._syncTreeTabindex();
    if (hadFocus && !this.el.contains(activeIn(this.el))) {
      // The focused row left the DOM: park the focus on the tree, so keys still reach it.
      this._parking = true;
      this.el.focus({ preventScroll: true });
      this._parking = false;
    }
  }

  /** @param {MouseEvent} e */
  _onClick(e) {
    const index = this._indexOf(e.target);
    if (index < 0) return;
    this._focusRow(index, false);
    this.activate(index);
  }

  /** @param {FocusEvent} e */
  _onFocusIn(e) {
    if (e.target === this.el) {
      if (!this._parking) this._focusRow(this._focusIndex);
      return;
    }
    const index = this._indexOf(e.target);
    if (index >= 0 && index !== this._focusIndex) {
      this._focusIndex = index;
      this.focusKey = this.rows[index].key;
      this.list.redecorate();
    }
  }

  /**
   * The index of the row containing `target`, or -1.
   * @param {EventTarget | null} target
   * @returns {number}
   */
  _indexOf(target) {
    const node = target instanceof Element ? target.closest(".ldnb-row") : null;
    if (!node || !this.el.contains(node)) return -1;
    for (let i = this.list.start; i < this.list.end; i += 1) {
      if (this.list.elementAt(i) === node) return i;
    }
    return -1;
  }
}
