// One tree row as DOM: a treeitem with the name, counts or format/ETag/preview.
// All text from the model goes in through textContent.
import { h } from "./dom.js";
import { formatCounter, formatCounts, formatInt, formatTime, shortEtag } from "./format.js";
import { MAX_LIMIT } from "./protocol.js";

/** @typedef {import("./state.js").VisibleRow} VisibleRow */

const WAITING_TEXT = "waiting for the kernel…";
const WAITING_TITLE = "Asked the kernel; a busy kernel answers once the running cell finishes.";

/**
 * What a row's element depends on: when it changes the element is rebuilt.
 * @param {VisibleRow} vr
 * @returns {string}
 */
export function rowSignature(vr) {
  return JSON.stringify([
    vr.kind,
    vr.level,
    vr.expanded,
    vr.ghost,
    vr.posinset,
    vr.setsize,
    vr.remaining,
    vr.row,
  ]);
}

/**
 * Build the element of a row.
 * @param {VisibleRow} vr
 * @returns {HTMLElement}
 */
export function buildRow(vr) {
  const el = h("div", {
    class: `ldnb-row ldnb-${vr.kind}`,
    attrs: {
      role: "treeitem",
      "aria-level": String(vr.level),
      "data-kind": vr.kind,
      "data-path": vr.path,
      tabindex: "-1",
      // Notebook 7 matches its arrow-key shortcuts on the focused element itself, so the
      // suppression must be on every element that takes focus, not only on the root.
      "data-lm-suppress-shortcuts": "true",
    },
  });
  el.style.setProperty("--ldnb-level", String(vr.level));
  if (vr.posinset !== undefined && vr.setsize !== undefined) {
    el.setAttribute("aria-posinset", String(vr.posinset));
    el.setAttribute("aria-setsize", String(vr.setsize));
  }
  if (vr.ghost) {
    el.classList.add("ldnb-ghost");
    el.setAttribute("aria-disabled", "true");
  }
  el.append(...cells(vr));
  return el;
}

/**
 * @param {VisibleRow} vr
 * @returns {HTMLElement[]}
 */
function cells(vr) {
  const twisty = h("span", { class: "ldnb-twisty", attrs: { "aria-hidden": "true" } });
  const row = vr.row;
  if (row?.type === "node") {
    twisty.textContent = vr.expanded ? "▾" : "▸";
    return [
      twisty,
      h("span", { class: "ldnb-name", text: row.name, title: row.path }),
      h("span", {
        class: "ldnb-counts",
        // A store on disk or in S3 is counted in the background, within a budget.
        text:
          row.counted === false ? "…" : `${row.partial ? "≥ " : ""}${formatCounts(row.counts)}`,
        title: row.counted === false ? "not counted yet" : "keys below, per format",
      }),
      h("span", {
        class: "ldnb-last-write",
        text: formatCounter(row.last_write),
        title: "write counter of the last change below",
      }),
    ];
  }
  if (row?.type === "leaf") {
    return [
      twisty,
      h("span", {
        class: "ldnb-name",
        text: row.name,
        title: `${row.path} (${formatTime(row.ts)})`,
      }),
      h("span", { class: "ldnb-format", text: String(row.format) }),
      h("span", { class: "ldnb-etag", text: shortEtag(row.etag), title: `ETag ${row.etag}` }),
      h("span", { class: "ldnb-preview", text: String(row.preview ?? "") }),
    ];
  }
  if (vr.kind === "more") {
    return [
      twisty,
      h("span", { class: "ldnb-name", text: `show more (${formatInt(vr.remaining)} more)` }),
    ];
  }
  if (vr.kind === "limit") {
    const cap = formatInt(MAX_LIMIT);
    const text = `${formatInt(vr.remaining)} more not shown (at most ${cap} per node; use search)`;
    return [twisty, h("span", { class: "ldnb-name", text })];
  }
  return [twisty, h("span", { class: "ldnb-name", text: WAITING_TEXT, title: WAITING_TITLE })];
}
