// The header: what the view shows (its prefix) and the summary of the store.
import { h } from "./dom.js";
import { formatCounter, formatCounts, formatInt, plural } from "./format.js";
import { asArray, asObject } from "./protocol.js";

/**
 * The parts of the summary line, each with its class, text and tooltip.
 * @param {unknown} summary
 * @returns {{ cls: string, text: string, title: string }[]}
 */
export function summaryParts(summary) {
  const s = asObject(summary);
  const formats = formatCounts(asObject(s.formats));
  const interval = typeof s.prune_interval === "number" ? `/${formatInt(s.prune_interval)}` : "";
  return [
    { cls: "ldnb-formats", text: formats || "no keys", title: "keys per format" },
    { cls: "ldnb-keys", text: plural(s.keys ?? 0, "key"), title: "keys under this view" },
    { cls: "ldnb-nodes", text: plural(s.nodes ?? 0, "node"), title: "nodes of the whole tree" },
    { cls: "ldnb-counter", text: `counter ${formatCounter(s.counter)}`, title: "write counter" },
    {
      cls: "ldnb-prunes",
      text: `prunes: ${formatInt(s.prune_passes)}`,
      title: "prune passes so far",
    },
    {
      cls: "ldnb-ops",
      text: `ops since prune ${formatInt(s.ops_since_prune)}${interval}`,
      title: interval
        ? "destructive operations since the last prune / prune interval"
        : "destructive operations since the last prune (no automatic pruning)",
    },
  ];
}

/**
 * Fill the header element from `summary`.
 * @param {HTMLElement} el
 * @param {unknown} summary
 */
export function renderHeader(el, summary) {
  const s = asObject(summary);
  const prefix = asArray(s.prefix).map(String);
  const title = h("div", { class: "ldnb-title" }, [
    h("span", { class: "ldnb-title-name", text: "LocalDict" }),
    h("span", {
      class: "ldnb-prefix",
      text: prefix.length ? prefix.join(" / ") : "(root)",
      title: "the prefix this view shows",
    }),
  ]);
  if (typeof s.format === "string" && s.format) {
    title.append(
      h("span", { class: "ldnb-default-format", text: s.format, title: "default format" }),
    );
  }
  const line = h("div", { class: "ldnb-summary" });
  for (const part of summaryParts(summary)) {
    line.append(h("span", { class: `ldnb-stat ${part.cls}`, text: part.text, title: part.title }));
  }
  el.replaceChildren(title, line);
}
