// The event strip: the latest changes, newest first, prune entries always kept and
// labelled, with the paths each prune removed (its `removed` field).
import { h } from "./dom.js";
import { formatClock, formatCounter, formatInt, plural } from "./format.js";
import { asArray, asObject } from "./protocol.js";

/** @typedef {import("./protocol.js").StoreEvent} StoreEvent */

/** Entries shown besides the prune entries. */
export const STRIP_RECENT = 8;
/** Pruned paths listed in one prune entry. */
const PRUNED_SHOWN = 5;

/**
 * The events to show, newest first: the last STRIP_RECENT plus every older prune.
 * @param {unknown} events oldest first, as in the trait
 * @returns {StoreEvent[]}
 */
export function stripEntries(events) {
  const all = /** @type {StoreEvent[]} */ (asArray(events).filter((e) => asObject(e) === e));
  const cut = Math.max(0, all.length - STRIP_RECENT);
  const older = all.slice(0, cut).filter((e) => e.kind === "prune");
  return [...older, ...all.slice(cut)].reverse();
}

export class Strip {
  constructor() {
    this.el = h("section", { class: "ldnb-strip", attrs: { "aria-label": "Recent changes" } });
  }

  /**
   * Re-render from the `events` trait.
   * @param {unknown} events
   */
  update(events) {
    const entries = stripEntries(events);
    const list = h("ol", { class: "ldnb-strip-list" });
    for (const event of entries) list.append(this._entry(event));
    const head = h("div", { class: "ldnb-strip-title", text: "recent changes" });
    if (entries.length === 0) {
      this.el.replaceChildren(
        head,
        h("div", { class: "ldnb-strip-empty", text: "no changes yet" }),
      );
    } else {
      this.el.replaceChildren(head, list);
    }
  }

  /**
   * @param {StoreEvent} event
   * @returns {HTMLElement}
   */
  _entry(event) {
    const kind = String(event.kind);
    const li = h("li", {
      class: `ldnb-event ldnb-event-${kind.replace(/[^a-z]/g, "")}`,
      title: `${formatClock(event.ts)} · event ${formatInt(event.seq)}`,
    });
    li.append(h("span", { class: "ldnb-event-kind", text: kind }));
    if (kind === "prune") {
      li.append(
        h("span", { class: "ldnb-event-what", text: `pruned ${plural(event.count, "node")}` }),
      );
      const paths = asArray(event.removed).filter((p) => typeof p === "string");
      for (const path of paths.slice(0, PRUNED_SHOWN)) {
        li.append(h("span", { class: "ldnb-pruned", text: path || "(root)" }));
      }
      if (paths.length > PRUNED_SHOWN) {
        li.append(
          h("span", {
            class: "ldnb-event-more",
            text: `+${formatInt(paths.length - PRUNED_SHOWN)}`,
          }),
        );
      }
    } else {
      const key = String(event.key ?? "");
      li.append(h("span", { class: "ldnb-event-key", text: key || "(all)" }));
      if (event.format)
        li.append(h("span", { class: "ldnb-event-format", text: String(event.format) }));
      if (typeof event.count === "number" && event.count !== 1) {
        li.append(h("span", { class: "ldnb-event-count", text: plural(event.count, "key") }));
      }
    }
    li.append(h("span", { class: "ldnb-event-counter", text: formatCounter(event.counter) }));
    return li;
  }
}
