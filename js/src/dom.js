// DOM helpers: elements built from text only (never HTML), and a disposer that
// remembers every listener, observer and timer so that cleanup removes them all.

const PREFIX = "[localdict_nb]";

/**
 * Log an error with the package prefix.
 * @param {string} what
 * @param {unknown} err
 */
export function logError(what, err) {
  console.error(`${PREFIX} ${what}`, err);
}

/**
 * The focused element as seen from `el`'s own root: inside a shadow root (marimo
 * renders widgets in one) `document.activeElement` is only the shadow host.
 * @param {Node} el
 * @returns {Element | null}
 */
export function activeIn(el) {
  const root = el.getRootNode();
  const holder = /** @type {Document | ShadowRoot} */ (
    "activeElement" in root ? root : el.ownerDocument ?? document
  );
  return holder.activeElement;
}

/**
 * @typedef {{
 *   class?: string, text?: string, title?: string,
 *   attrs?: Record<string, string>,
 * }} ElementOptions
 */

/**
 * Create an element whose content is plain text (set through textContent).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {ElementOptions} [options]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, options = {}, children = []) {
  const el = document.createElement(tag);
  if (options.class) el.className = options.class;
  if (options.title) el.title = options.title;
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    el.setAttribute(name, value);
  }
  if (options.text !== undefined) el.textContent = options.text;
  for (const child of children) {
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/**
 * Collects cleanup work; `dispose()` runs it all, last in first out.
 */
export class Disposer {
  constructor() {
    /** @type {(() => void)[]} */
    this._undo = [];
    this.disposed = false;
  }

  /**
   * Run `fn` at dispose time.
   * @param {() => void} fn
   */
  add(fn) {
    this._undo.push(fn);
  }

  /**
   * addEventListener, with the matching removeEventListener at dispose time.
   * @param {EventTarget} target
   * @param {string} type
   * @param {(event: any) => void} handler
   * @param {AddEventListenerOptions} [options]
   */
  listen(target, type, handler, options) {
    const guarded = guard(`${type} handler`, handler);
    target.addEventListener(type, guarded, options);
    this.add(() => target.removeEventListener(type, guarded, options));
  }

  /**
   * model.on, with the matching model.off at dispose time.
   * @param {{ on: Function, off: Function }} model
   * @param {string} name
   * @param {() => void} handler
   */
  on(model, name, handler) {
    const guarded = guard(name, handler);
    model.on(name, guarded);
    this.add(() => model.off(name, guarded));
  }

  /** Undo everything, once. */
  dispose() {
    this.disposed = true;
    const undo = this._undo.splice(0).reverse();
    for (const fn of undo) {
      try {
        fn();
      } catch (err) {
        logError("cleanup failed", err);
      }
    }
  }
}

/**
 * Wrap a handler so that an exception is logged instead of breaking the host.
 * @template {any[]} A
 * @param {string} what
 * @param {(...args: A) => void} fn
 * @returns {(...args: A) => void}
 */
export function guard(what, fn) {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      logError(`error in ${what}`, err);
    }
  };
}

/**
 * A restartable one-shot timer that the disposer clears.
 */
export class Timer {
  /**
   * @param {Disposer} disposer
   * @param {() => void} fn
   */
  constructor(disposer, fn) {
    this._fn = guard("timer", fn);
    this._disposer = disposer;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this._id = undefined;
    disposer.add(() => this.cancel());
  }

  /** @param {number} ms */
  start(ms) {
    this.cancel();
    if (this._disposer.disposed) return; // e.g. a promise that settles after cleanup
    this._id = setTimeout(() => {
      this._id = undefined;
      this._fn();
    }, ms);
  }

  cancel() {
    if (this._id !== undefined) clearTimeout(this._id);
    this._id = undefined;
  }

  get pending() {
    return this._id !== undefined;
  }
}
