// What changed recently, from the `changes` trait: rows that flash (set), rows that fade
// (deleted or pruned) and the ghosts of rows that already left their listing.
import { asArray, asObject, parentPath } from "./protocol.js";

/** How long a row flashes or fades, in milliseconds (matches widget.css). */
export const MARK_MS = 1000;

/** @typedef {import("./state.js").VisibleRow} VisibleRow */
/** @typedef {import("./state.js").Ghost} Ghost */

export class LiveMarks {
  /** @param {() => number} [now] */
  constructor(now = () => Date.now()) {
    this._now = now;
    /** @type {number | undefined} */
    this.seq = undefined;
    /** @type {Map<string, number>} path -> flash end */
    this._flash = new Map();
    /** @type {Map<string, { until: number, pruned: boolean }>} */
    this._fade = new Map();
    /** @type {Map<string, Ghost & { until: number }>} row key -> ghost */
    this._ghosts = new Map();
  }

  /**
   * Note the seq of `changes` without marking anything (the state a view starts from).
   * @param {unknown} changes
   */
  prime(changes) {
    const seq = asObject(changes).seq;
    if (typeof seq === "number") this.seq = seq;
  }

  /**
   * Take in a new `changes` value; true when its seq is new.
   * @param {unknown} changes
   * @returns {boolean}
   */
  apply(changes) {
    const c = asObject(changes);
    if (typeof c.seq !== "number" || c.seq === this.seq) return false;
    this.seq = c.seq;
    const until = this._now() + MARK_MS;
    for (const path of strings(c.set)) {
      this._flash.set(path, until);
      this._fade.delete(path);
    }
    for (const path of strings(c.deleted)) this._fade.set(path, { until, pruned: false });
    for (const path of strings(c.pruned)) this._fade.set(path, { until, pruned: true });
    return true;
  }

  /**
   * When the row at `path` started flashing (a new start re-triggers), or 0.
   * @param {string} path
   * @returns {number}
   */
  flashStamp(path) {
    const until = this._flash.get(path);
    return until !== undefined && until > this._now() ? until : 0;
  }

  /**
   * Whether the row at `path` is fading out, and whether a prune removed it.
   * @param {string} path
   * @returns {{ until: number, pruned: boolean } | null}
   */
  fade(path) {
    const mark = this._fade.get(path);
    return mark && mark.until > this._now() ? mark : null;
  }

  /**
   * Keep, as ghosts, the fading rows of the last render that the new render lost.
   * @param {VisibleRow[]} before
   * @param {Set<string>} nowKeys keys of the new render
   * @returns {boolean} whether a ghost was added
   */
  collectGhosts(before, nowKeys) {
    let added = false;
    for (const vr of before) {
      if (!vr.row || vr.ghost || nowKeys.has(vr.key)) continue;
      const mark = this.fade(vr.path);
      if (!mark) continue;
      const index = (vr.posinset ?? 1) - 1;
      this._ghosts.set(vr.key, {
        parent: parentPath(vr.path),
        index,
        row: vr.row,
        until: mark.until,
      });
      added = true;
    }
    return added;
  }

  /** @returns {Ghost[]} */
  ghosts() {
    const now = this._now();
    return [...this._ghosts.values()].filter((g) => g.until > now);
  }

  /**
   * Forget marks that are over; the delay until the next one ends, or null.
   * @returns {number | null}
   */
  expire() {
    const now = this._now();
    let next = Infinity;
    /** @param {Map<string, any>} map @param {(v: any) => number} end */
    const sweep = (map, end) => {
      for (const [k, v] of map) {
        const t = end(v);
        if (t <= now) map.delete(k);
        else next = Math.min(next, t);
      }
    };
    sweep(this._flash, (t) => t);
    sweep(this._fade, (m) => m.until);
    sweep(this._ghosts, (g) => g.until);
    return next === Infinity ? null : next - now;
  }
}

/**
 * @param {unknown} value
 * @returns {string[]}
 */
function strings(value) {
  return asArray(value).filter((p) => typeof p === "string");
}
