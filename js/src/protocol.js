// The browser's copy of localdict_nb/view/protocol.py: trait shapes and constants.
// Keep the two in step; the Python module is the source of truth.

/** Rows per node sent at first, and added by each "show more". */
export const CHUNK = 100;
/** The most rows of one node that may be requested. */
export const MAX_LIMIT = 10_000;
/** Most expanded nodes accepted from the browser. */
export const MAX_EXPANDED = 500;
/** Longest search query accepted. */
export const MAX_QUERY_CHARS = 200;
/** Joins the segments of a path. */
export const SEP = "/";

/**
 * @typedef {{
 *   prefix?: string[], format?: string, formats?: Record<string, number>,
 *   nodes?: number, counter?: number, ops_since_prune?: number,
 *   prune_interval?: number | null, prune_passes?: number, keys?: number,
 *   kind?: string, location?: string, partial?: boolean, counted?: boolean,
 *   polled?: number | null, interval?: number, requests?: number, error?: string | null,
 * }} Summary
 */

/**
 * @typedef {{ name: string, path: string, type: "node",
 *   counts: Record<string, number>, last_write: number | null,
 *   partial?: boolean, counted?: boolean }} NodeRow
 * @typedef {{ name: string, path: string, type: "leaf", format: string,
 *   etag: string, ts: number, preview: string }} LeafRow
 * @typedef {NodeRow | LeafRow} Row
 * @typedef {{ rows: Row[], total: number, complete?: boolean }} Listing
 * @typedef {Record<string, Listing>} Listings
 */

/**
 * @typedef {{
 *   path?: string, format?: string, found?: boolean, etag?: string, ts?: number,
 *   type?: string, preview?: string, truncated?: boolean, python?: string,
 * }} Detail
 */

/**
 * @typedef {{ query?: string, matches?: string[], total?: number,
 *   error?: string | null, partial?: boolean, searched?: number }} SearchResult
 * @typedef {{ seq: number, kind: string, key: string, format?: string | null,
 *   counter: number, ts: number, count: number, removed?: string[] }} StoreEvent
 * @typedef {{ seq?: number, set?: string[], deleted?: string[],
 *   pruned?: string[] }} Changes
 * @typedef {{ path: string, format: string } | Record<string, never>} Selected
 */

/**
 * The synced traits, as the model holds them.
 * @typedef {{
 *   summary: Summary, listings: Listings, detail: Detail,
 *   search_result: SearchResult, events: StoreEvent[], changes: Changes,
 *   notice: string, expanded: string[], limits: Record<string, number>,
 *   selected: Selected, query: string, rendered: Record<string, number>,
 * }} Traits
 */

/** @typedef {import("@anywidget/types").AnyModel<Traits>} Model */

/**
 * A plain object, or `{}` for anything else (the model may hold null early on).
 * @param {unknown} value
 * @returns {Record<string, any>}
 */
export function asObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? /** @type {Record<string, any>} */ (value)
    : {};
}

/**
 * An array, or `[]` for anything else.
 * @param {unknown} value
 * @returns {any[]}
 */
export function asArray(value) {
  return Array.isArray(value) ? value : [];
}

/**
 * The parent of a path ("" for a top-level path).
 * @param {string} path
 * @returns {string}
 */
export function parentPath(path) {
  const cut = path.lastIndexOf(SEP);
  return cut < 0 ? "" : path.slice(0, cut);
}
