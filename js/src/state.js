// Pure: the flat list of visible rows, computed from the traits alone (listings,
// expanded, limits) plus the rows that are fading out after a delete.
import { CHUNK, MAX_LIMIT, asArray, asObject } from "./protocol.js";

/** @typedef {import("./protocol.js").Row} Row */

/**
 * One line of the tree.
 * - node / leaf: a Row of a listing (`ghost` when it is only fading out);
 * - more: "show more (N more)" under `path`, which lists `shown` rows;
 * - limit: the node has more rows than MAX_LIMIT, none can be requested;
 * - waiting: the kernel has not answered a request about `path` yet.
 * @typedef {{
 *   key: string, kind: "node" | "leaf" | "more" | "limit" | "waiting",
 *   path: string, level: number, name: string, row?: Row,
 *   expanded?: boolean, ghost?: boolean, posinset?: number, setsize?: number,
 *   remaining?: number, shown?: number,
 * }} VisibleRow
 */

/**
 * A row that was deleted and is fading out where it used to be.
 * @typedef {{ parent: string, index: number, row: Row }} Ghost
 */

/**
 * @typedef {{
 *   listings: unknown, expanded: unknown, limits: unknown,
 *   ghosts?: Iterable<Ghost>,
 * }} TreeInput
 */

/**
 * The identity of a row across renders.
 * @param {"node" | "leaf" | "more" | "limit" | "waiting"} kind
 * @param {string} path
 * @param {string} [format]
 * @returns {string}
 */
export function rowKey(kind, path, format = "") {
  return kind === "leaf" ? `leaf\u0000${path}\u0000${format}` : `${kind}\u0000${path}`;
}

/**
 * A listing row as given, or null when it is malformed.
 * @param {unknown} value
 * @returns {Row | null}
 */
function asRow(value) {
  const row = asObject(value);
  if (typeof row.path !== "string" || typeof row.name !== "string") return null;
  if (row.type === "node" || row.type === "leaf") return /** @type {Row} */ (row);
  return null;
}

/**
 * The rows wanted for a node: `limits[path]`, or CHUNK.
 * @param {Record<string, any>} limits
 * @param {string} path
 * @returns {number}
 */
export function limitOf(limits, path) {
  const n = limits[path];
  return typeof n === "number" && n > 0 ? Math.min(n, MAX_LIMIT) : CHUNK;
}

/**
 * The visible rows, top to bottom; the root ("") itself is not a row.
 * @param {TreeInput} input
 * @returns {VisibleRow[]}
 */
export function visibleRows(input) {
  const listings = asObject(input.listings);
  const expanded = new Set(asArray(input.expanded).filter((p) => typeof p === "string"));
  const limits = asObject(input.limits);
  /** @type {Map<string, Ghost[]>} */
  const ghosts = new Map();
  for (const g of input.ghosts ?? []) {
    const list = ghosts.get(g.parent) ?? [];
    list.push(g);
    ghosts.set(g.parent, list);
  }
  /** @type {VisibleRow[]} */
  const out = [];
  /** @type {Set<string>} */
  const seen = new Set();

  /**
   * @param {string} parent
   * @param {number} level the level of the children
   */
  const walk = (parent, level) => {
    seen.add(parent);
    const listing = asObject(listings[parent]);
    if (!Array.isArray(listing.rows)) {
      out.push({ key: rowKey("waiting", parent), kind: "waiting", path: parent, level, name: "" });
      return;
    }
    const rows = /** @type {Row[]} */ (listing.rows.map(asRow).filter(Boolean));
    const total = typeof listing.total === "number" ? listing.total : listing.rows.length;
    const fading = placeGhosts(rows, ghosts.get(parent));
    let pos = 0;
    for (const { row, ghost } of fading) {
      const isNode = row.type === "node";
      const open = isNode && !ghost && expanded.has(row.path) && !seen.has(row.path);
      out.push({
        key: identity(row),
        kind: row.type,
        path: row.path,
        level,
        name: row.name,
        row,
        expanded: isNode ? open : undefined,
        ghost,
        posinset: ghost ? undefined : ++pos,
        setsize: ghost ? undefined : total,
      });
      if (open) walk(row.path, level + 1);
    }
    const sent = listing.rows.length; // malformed rows count as sent: nothing to wait for
    const remaining = total - sent;
    if (remaining <= 0) return;
    if (limitOf(limits, parent) > sent) {
      out.push({ key: rowKey("waiting", parent), kind: "waiting", path: parent, level, name: "" });
    } else if (sent >= MAX_LIMIT) {
      out.push({
        key: rowKey("limit", parent),
        kind: "limit",
        path: parent,
        level,
        name: "",
        remaining,
      });
    } else {
      out.push({
        key: rowKey("more", parent),
        kind: "more",
        path: parent,
        level,
        name: "",
        remaining,
        shown: sent,
      });
    }
  };

  walk("", 1);
  return out;
}

/**
 * The rows of a listing with the fading ghosts put back at their old positions
 * (a ghost whose path and type are listed again is dropped).
 * @param {Row[]} rows
 * @param {Ghost[] | undefined} ghosts
 * @returns {{ row: Row, ghost: boolean }[]}
 */
function placeGhosts(rows, ghosts) {
  const merged = rows.map((row) => ({ row, ghost: false }));
  if (!ghosts?.length) return merged;
  const present = new Set(rows.map(identity));
  const sorted = ghosts.filter((g) => !present.has(identity(g.row)));
  sorted.sort((a, b) => a.index - b.index);
  for (const g of sorted) {
    merged.splice(Math.min(g.index, merged.length), 0, { row: g.row, ghost: true });
  }
  return merged;
}

/** @param {Row} row */
function identity(row) {
  return row.type === "leaf" ? rowKey("leaf", row.path, row.format) : rowKey("node", row.path);
}

/**
 * Paths to add to `expanded` to open `path`.
 * @param {unknown} expanded
 * @param {string} path
 * @returns {string[]}
 */
export function withExpanded(expanded, path) {
  const list = asArray(expanded).filter((p) => typeof p === "string");
  return list.includes(path) ? list : [...list, path];
}

/**
 * `expanded` without `path` and everything below it (their listings stop coming).
 * @param {unknown} expanded
 * @param {string} path
 * @returns {string[]}
 */
export function withCollapsed(expanded, path) {
  const below = `${path}/`;
  return asArray(expanded).filter(
    (p) => typeof p === "string" && p !== path && !p.startsWith(below),
  );
}

/**
 * `limits` without `path` and everything below it (a collapsed node starts small again).
 * @param {unknown} limits
 * @param {string} path
 * @returns {Record<string, number>}
 */
export function withoutLimits(limits, path) {
  const below = `${path}/`;
  return Object.fromEntries(
    Object.entries(asObject(limits)).filter(([p]) => p !== path && !p.startsWith(below)),
  );
}

/**
 * `limits` with `path` raised by CHUNK (from what is shown), capped at MAX_LIMIT.
 * @param {unknown} limits
 * @param {string} path
 * @param {number} shown rows of the node currently listed
 * @returns {Record<string, number>}
 */
export function withMore(limits, path, shown) {
  const current = asObject(limits);
  const base = Math.max(limitOf(current, path), shown);
  return { ...current, [path]: Math.min(base + CHUNK, MAX_LIMIT) };
}
