// The anywidget entry point: the default export { render }, the only shape anywidget
// documents (a named `render` export logs a deprecation warning on every display).
// render({ model, el }) builds the view inside `el` and returns the function that
// takes it all down again.
import { DetailPanel } from "./detail.js";
import { Disposer, guard, h, logError } from "./dom.js";
import { renderHeader } from "./header.js";
import { asObject } from "./protocol.js";
import { ROW_HEIGHT } from "./rows.js";
import { SearchBox } from "./search.js";
import { Strip } from "./strip.js";
import { followTheme } from "./theme.js";
import { Tree } from "./tree.js";

/** @typedef {import("./protocol.js").Model} Model */
/** @typedef {import("./protocol.js").Traits} Traits */

/**
 * Build the view of `model` inside `el`.
 * @param {{ model: Model, el: HTMLElement }} props
 * @returns {() => void} cleanup: removes every listener and timer and empties `el`
 */
function render({ model, el }) {
  const disposer = new Disposer();
  guard("report the view shown", () => reportShown(model, +1))();
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    disposer.dispose();
    el.replaceChildren();
    guard("report the view gone", () => reportShown(model, -1))();
  };
  try {
    el.replaceChildren(build(model, disposer));
  } catch (err) {
    logError("could not render the tree view", err);
    disposer.dispose();
    el.replaceChildren(
      h("div", {
        class: "ldnb-root ldnb-broken",
        text: "localdict_nb: the view failed to render (see the browser console).",
      }),
    );
  }
  return cleanup;
}

/** This page's key in `rendered` (one per evaluation of this module). */
const PAGE = `p${Math.random().toString(36).slice(2, 12)}`;

/**
 * Tell the kernel how many views of `model` this page shows now (`rendered`): a view
 * that no page shows is not flushed (protocol.py). Entries of other pages at 0 are
 * dropped, so that the trait stays small however often pages reload.
 * @param {Model} model
 * @param {number} delta
 */
function reportShown(model, delta) {
  /** @type {Record<string, number>} */
  const rendered = {};
  for (const [page, n] of Object.entries(asObject(model.get("rendered")))) {
    if (page !== PAGE && Number(n) > 0) rendered[page] = Number(n);
  }
  const mine = Math.max(0, (Number(asObject(model.get("rendered"))[PAGE]) || 0) + delta);
  rendered[PAGE] = mine;
  model.set("rendered", rendered);
  model.save_changes();
}

/**
 * @param {Model} model
 * @param {Disposer} disposer
 * @returns {HTMLElement}
 */
function build(model, disposer) {
  const root = h("div", {
    class: "ldnb-root",
    attrs: { "data-lm-suppress-shortcuts": "true" },
  });
  root.style.setProperty("--ldnb-row-height", `${ROW_HEIGHT}px`);
  followTheme(root, disposer);

  const header = h("header", { class: "ldnb-header" });
  const notice = h("div", { class: "ldnb-notice", attrs: { role: "status" } });
  /** @param {string} text */
  const say = (text) => {
    notice.textContent = text;
    notice.hidden = text === "";
  };
  const tree = new Tree(model, disposer, say);
  const search = new SearchBox(model, disposer, () => tree.focusFirstMatchSoon());
  const detail = new DetailPanel(disposer);
  const strip = new Strip();

  /**
   * Run `paint` now and on every change of the named traits.
   * @param {(keyof Traits)[]} names
   * @param {() => void} paint
   */
  const follow = (names, paint) => {
    guard("first render", paint)();
    for (const name of names) disposer.on(model, `change:${name}`, paint);
  };
  follow(["summary"], () => renderHeader(header, model.get("summary")));
  follow(["events"], () => strip.update(model.get("events")));
  follow(["detail", "selected"], () => detail.update(model.get("detail"), model.get("selected")));
  follow(["notice"], () => say(String(model.get("notice") ?? "")));

  const body = h("div", { class: "ldnb-body" }, [tree.el, detail.el]);
  root.append(header, search.el, notice, body, strip.el);
  return root;
}

export default { render };
