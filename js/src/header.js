// The header: what the view shows (its prefix) and the summary of the store.
import { h } from "./dom.js";
import { formatClock, formatCounter, formatCounts, formatInt, plural } from "./format.js";
import { asArray, asObject } from "./protocol.js";

/**
 * The parts of the summary line, each with its class, text and tooltip.
 * @param {unknown} summary
 * @returns {{ cls: string, text: string, title: string }[]}
 */
export function summaryParts(summary) {
  const s = asObject(summary);
  if (typeof s.kind === "string") return storeParts(s);
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
 * The summary line of a persidict store (on disk, in S3): counts as far as counted,
 * and the poller's state instead of a write counter and prune passes.
 * @param {Record<string, any>} s
 * @returns {{ cls: string, text: string, title: string }[]}
 */
function storeParts(s) {
  const atLeast = s.partial ? "≥ " : "";
  const counted = s.counted !== false;
  const parts = [
    {
      cls: "ldnb-formats",
      text: counted ? `${atLeast}${formatCounts(asObject(s.formats)) || "no keys"}` : "counting…",
      title: s.partial ? "keys per format, counted up to a bound" : "keys per format",
    },
    {
      cls: "ldnb-keys",
      text: counted ? `${atLeast}${plural(s.keys ?? 0, "key")}` : "",
      title: "keys in the store",
    },
    {
      cls: "ldnb-polled",
      text: typeof s.polled === "number" ? `polled ${formatClock(s.polled)}` : "not polled yet",
      title: "the last time the view listed the nodes it shows",
    },
    {
      cls: "ldnb-interval",
      text: `every ${formatSeconds(s.interval)}`,
      title: "seconds between polls now (longer while nothing changes)",
    },
    {
      cls: "ldnb-requests",
      text: plural(s.requests ?? 0, "request"),
      title: "list and read requests the view has made",
    },
  ];
  if (typeof s.error === "string" && s.error) {
    parts.push({ cls: "ldnb-error", text: s.error, title: "the store's last error" });
  }
  return parts.filter((p) => p.text);
}

/** @param {unknown} seconds */
function formatSeconds(seconds) {
  const n = typeof seconds === "number" && Number.isFinite(seconds) ? seconds : 0;
  return n < 10 ? `${n.toFixed(1)} s` : `${Math.round(n)} s`;
}

/**
 * Fill the header element from `summary`.
 * @param {HTMLElement} el
 * @param {unknown} summary
 */
export function renderHeader(el, summary) {
  const s = asObject(summary);
  const prefix = asArray(s.prefix).map(String);
  const store = typeof s.kind === "string"; // a persidict store on disk or in S3
  const title = h("div", { class: "ldnb-title" }, [
    h("span", { class: "ldnb-title-name", text: store ? String(s.kind) : "LocalDict" }),
    h("span", {
      class: "ldnb-prefix",
      text: store ? String(s.location) : prefix.length ? prefix.join(" / ") : "(root)",
      title: store ? "where the store lives" : "the prefix this view shows",
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
