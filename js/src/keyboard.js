// WAI-ARIA tree keys (https://www.w3.org/WAI/ARIA/apg/patterns/treeview/), as a pure
// function from a key and the focused row to what the tree should do.

/** @typedef {import("./state.js").VisibleRow} VisibleRow */

/**
 * @typedef {{ type: "focus", index: number }
 *   | { type: "expand", index: number }
 *   | { type: "collapse", index: number }
 *   | { type: "activate", index: number }} KeyAction
 */

/** Rows moved by PageUp / PageDown. */
const PAGE = 10;

/**
 * What a key does on the row at `index` of `rows`; null when the key is not ours.
 * @param {string} key KeyboardEvent.key
 * @param {VisibleRow[]} rows
 * @param {number} index the focused row (clamped into range)
 * @returns {KeyAction | null}
 */
export function keyAction(key, rows, index) {
  if (rows.length === 0) return null;
  const last = rows.length - 1;
  const i = Math.max(0, Math.min(index, last));
  const row = rows[i];
  const openable = row.kind === "node" && !row.ghost;
  switch (key) {
    case "ArrowDown":
      return { type: "focus", index: Math.min(i + 1, last) };
    case "ArrowUp":
      return { type: "focus", index: Math.max(i - 1, 0) };
    case "PageDown":
      return { type: "focus", index: Math.min(i + PAGE, last) };
    case "PageUp":
      return { type: "focus", index: Math.max(i - PAGE, 0) };
    case "Home":
      return { type: "focus", index: 0 };
    case "End":
      return { type: "focus", index: last };
    case "ArrowRight":
      if (openable && !row.expanded) return { type: "expand", index: i };
      if (openable && i < last && rows[i + 1].level > row.level) {
        return { type: "focus", index: i + 1 };
      }
      return { type: "focus", index: i };
    case "ArrowLeft":
      if (openable && row.expanded) return { type: "collapse", index: i };
      return { type: "focus", index: parentIndex(rows, i) };
    case "Enter":
    case " ":
      return { type: "activate", index: i };
    default:
      return null;
  }
}

/**
 * The index of the row's parent row, or the row itself at the top level.
 * @param {VisibleRow[]} rows
 * @param {number} index
 * @returns {number}
 */
export function parentIndex(rows, index) {
  const level = rows[index].level;
  for (let j = index - 1; j >= 0; j -= 1) {
    if (rows[j].level < level) return j;
  }
  return index;
}
