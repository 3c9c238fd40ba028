// The search box: sets `query` (debounced), shows `search_result`; Escape clears.
import { Disposer, Timer, activeIn, h } from "./dom.js";
import { formatInt, plural } from "./format.js";
import { MAX_QUERY_CHARS, asArray, asObject } from "./protocol.js";

/** @typedef {import("./protocol.js").Model} Model */

/** Milliseconds of quiet typing before the query is sent. */
export const DEBOUNCE_MS = 250;

/**
 * The status text for a query and the result the kernel sent.
 * @param {string} query
 * @param {unknown} result
 * @returns {{ text: string, error: boolean }}
 */
export function searchStatus(query, result) {
  if (!query) return { text: "", error: false };
  const r = asObject(result);
  if (r.query !== query) return { text: "searching…", error: false };
  if (typeof r.error === "string" && r.error) return { text: r.error, error: true };
  const shown = asArray(r.matches).length;
  const total = typeof r.total === "number" ? r.total : shown;
  const more = total > shown ? ` (first ${formatInt(shown)} shown)` : "";
  // A store on disk or in S3 is searched within a budget: say how much was read.
  const partial = r.partial
    ? ` in the first ${plural(r.searched ?? 0, "key")} (search stopped)`
    : "";
  return { text: `${plural(total, "match", "matches")}${more}${partial}`, error: false };
}

export class SearchBox {
  /**
   * @param {Model} model
   * @param {Disposer} disposer
   * @param {() => void} onResult called when the result of a query sent by Enter
   *   arrives (the tree then focuses the first match)
   */
  constructor(model, disposer, onResult) {
    this.model = model;
    this.input = h("input", {
      class: "ldnb-search-input",
      attrs: {
        type: "search",
        "aria-label": "Search keys",
        placeholder: "search keys (text, or a glob like *.json)",
        maxlength: String(MAX_QUERY_CHARS),
        spellcheck: "false",
        autocomplete: "off",
      },
    });
    this.input.value = String(model.get("query") ?? "");
    this.status = h("span", { class: "ldnb-search-status", attrs: { "aria-live": "polite" } });
    this.el = h("div", { class: "ldnb-search" }, [this.input, this.status]);
    this._debounce = new Timer(disposer, () => this.send());
    /** Enter was pressed: jump to the first match once the result is in. */
    this._jump = false;

    disposer.listen(this.input, "input", () => this._debounce.start(DEBOUNCE_MS));
    disposer.listen(this.input, "keydown", (/** @type {KeyboardEvent} */ e) => {
      e.stopPropagation(); // typing must not drive the notebook
      if (e.key === "Escape") {
        e.preventDefault();
        this.input.value = "";
        this.send();
      } else if (e.key === "Enter") {
        e.preventDefault();
        this.send();
        this._jump = true;
        this._arrived(onResult);
      }
    });
    disposer.on(model, "change:search_result", () => {
      this.update();
      this._arrived(onResult);
    });
    disposer.on(model, "change:query", () => {
      if (activeIn(this.input) !== this.input)
        this.input.value = String(model.get("query") ?? "");
      this.update();
    });
    this.update();
  }

  /** Send the box's text as `query` now (if it changed). */
  send() {
    this._debounce.cancel();
    const query = this.input.value.slice(0, MAX_QUERY_CHARS);
    if (query !== this.model.get("query")) {
      this.model.set("query", query);
      this.model.save_changes();
    }
    this.update();
  }

  /**
   * Call `onResult` once if Enter asked for it and the result for the query is in.
   * @param {() => void} onResult
   */
  _arrived(onResult) {
    const result = asObject(this.model.get("search_result"));
    if (!this._jump || !this.input.value || result.query !== this.input.value) return;
    this._jump = false;
    if (activeIn(this.input) === this.input) onResult();
  }

  /** Show the state of the search. */
  update() {
    const { text, error } = searchStatus(
      String(this.model.get("query") ?? ""),
      this.model.get("search_result"),
    );
    this.status.textContent = text;
    this.status.classList.toggle("ldnb-error", error);
  }
}
