import { vi } from "vitest";
// A stand-in for the anywidget model (no kernel): Backbone-like get/set/on/off that
// fires `change:<name>` synchronously, and counters for save_changes and listeners.
import widget from "../src/widget.js";

/** @typedef {import("../src/protocol.js").Row} Row */

/** @returns {Record<string, any>} */
export function defaultTraits() {
  return {
    summary: {},
    listings: { "": { rows: [], total: 0 } },
    detail: {},
    search_result: {},
    events: [],
    changes: {},
    notice: "",
    expanded: [],
    limits: {},
    selected: {},
    query: "",
  };
}

export class FakeModel {
  /** @param {Record<string, any>} [traits] */
  constructor(traits = {}) {
    /** @type {Record<string, any>} */
    this.data = { ...defaultTraits(), ...traits };
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
    this.onCalls = 0;
    this.offCalls = 0;
    this.saves = 0;
    /** @type {unknown[]} */
    this.sent = [];
    this.widget_manager = {
      get_model: async () => {
        throw new Error("no manager");
      },
    };
  }

  /** @param {string} key */
  get(key) {
    return this.data[key];
  }

  /** A browser-side set: fires change:<key> when the value differs (like Backbone).
   * @param {string} key
   * @param {any} value
   */
  set(key, value) {
    const changed = JSON.stringify(this.data[key]) !== JSON.stringify(value);
    this.data[key] = value;
    if (changed) this._emit(`change:${key}`);
  }

  /** A kernel-side update: sets every trait first, then fires their change events.
   * @param {Record<string, any>} patch
   */
  update(patch) {
    Object.assign(this.data, patch);
    for (const key of Object.keys(patch)) this._emit(`change:${key}`);
  }

  /**
   * @param {string} name
   * @param {Function} callback
   */
  on(name, callback) {
    this.onCalls += 1;
    const set = this.listeners.get(name) ?? new Set();
    set.add(callback);
    this.listeners.set(name, set);
  }

  /**
   * @param {string | null} [name]
   * @param {Function | null} [callback]
   */
  off(name, callback) {
    this.offCalls += 1;
    if (!name) this.listeners.clear();
    else if (!callback) this.listeners.delete(name);
    else this.listeners.get(name)?.delete(callback);
  }

  save_changes() {
    this.saves += 1;
  }

  /** @param {unknown} content */
  send(content) {
    this.sent.push(content);
  }

  /** Listeners still registered. */
  listenerCount() {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** @param {string} name */
  _emit(name) {
    for (const callback of [...(this.listeners.get(name) ?? [])]) callback();
  }
}

/**
 * @param {string} path
 * @param {Record<string, number>} [counts]
 * @param {number} [lastWrite]
 * @returns {Row}
 */
export function node(path, counts = { pkl: 1 }, lastWrite = 1) {
  return { name: path.split("/").pop() ?? path, path, type: "node", counts, last_write: lastWrite };
}

/**
 * @param {string} path
 * @param {string} [format]
 * @param {string} [preview]
 * @returns {Row}
 */
export function leaf(path, format = "pkl", preview = "42") {
  return {
    name: path.split("/").pop() ?? path,
    path,
    type: "leaf",
    format,
    etag: `etag-${path}-${format}`,
    ts: 1_700_000_000,
    preview,
  };
}

/**
 * @param {Row[]} rows
 * @param {number} [total]
 */
export function listing(rows, total = rows.length) {
  return { rows, total };
}

/** @type {(() => void)[]} */
const mounted = [];

/**
 * Render a view of `model` into a fresh element attached to the document;
 * `unmountAll` (run it in afterEach) cleans it up.
 * @param {FakeModel} model
 */
export function view(model) {
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model: /** @type {any} */ (model), el });
  model.saves = 0; // render's own report (`rendered`, tested in widget.test.js) is not a user action
  mounted.push(cleanup);
  const tree = /** @type {HTMLElement} */ (el.querySelector('[role="tree"]'));
  return { el, tree, cleanup };
}

/** Let the change events of one batch run the refresh they scheduled (a microtask). */
export async function flush() {
  await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
}

/** Clean up every view and empty the document. */
export function unmountAll() {
  for (const cleanup of mounted.splice(0)) cleanup();
  document.body.replaceChildren();
  document.body.className = "";
  document.body.removeAttribute("data-jp-theme-light");
  vi.useRealTimers();
  vi.restoreAllMocks();
}

/** A model with a full summary and a few root rows. */
export function sampleModel() {
  return new FakeModel({
    summary: {
      prefix: ["runs", "2024"],
      format: "pkl",
      formats: { pkl: 1204, json: 17 },
      keys: 1221,
      nodes: 35,
      counter: 4321,
      ops_since_prune: 3,
      prune_interval: 64,
      prune_passes: 2,
    },
    listings: { "": listing([node("a"), leaf("x"), leaf("y", "json")]) },
  });
}

/**
 * The text of the first element matching `selector` inside `el`.
 * @param {Element} el
 * @param {string} selector
 */
export function text(el, selector) {
  return el.querySelector(selector)?.textContent;
}

/** @param {HTMLElement} tree */
export function items(tree) {
  return /** @type {HTMLElement[]} */ ([...tree.querySelectorAll('[role="treeitem"]')]);
}

/**
 * @param {HTMLElement} tree
 * @param {string} path
 * @param {string} [kind]
 */
export function itemAt(tree, path, kind = "node") {
  const found = items(tree).find((el) => el.dataset.path === path && el.dataset.kind === kind);
  if (!found) throw new Error(`no ${kind} row for ${JSON.stringify(path)}`);
  return found;
}

/**
 * @param {EventTarget} target
 * @param {string} key
 */
export function press(target, key) {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
  target.dispatchEvent(event);
  return event;
}
