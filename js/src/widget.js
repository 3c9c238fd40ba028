// The anywidget entry point: render({ model, el }) builds the view inside `el` and
// returns the function that takes it all down again.
import { DetailPanel } from "./detail.js";
import { Disposer, guard, h, logError } from "./dom.js";
import { renderHeader } from "./header.js";
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
export function render({ model, el }) {
  const disposer = new Disposer();
  const cleanup = () => {
    disposer.dispose();
    el.replaceChildren();
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
  const search = new SearchBox(model, disposer, () => tree.focusFirstMatch());
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
