// Text formatting: numbers, per-format counts, times, ETags. Pure and locale-independent
// for numbers (always `10,000`), so the view reads the same in every host.

/**
 * An integer with thousands separators: `10000` -> `"10,000"`.
 * @param {unknown} value
 * @returns {string}
 */
export function formatInt(value) {
  const n = typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 ? `-${digits}` : digits;
}

/**
 * Counts per format bucket: `{pkl: 1204, json: 17}` -> `"pkl 1,204 · json 17"`.
 * @param {unknown} counts
 * @returns {string}
 */
export function formatCounts(counts) {
  if (counts === null || typeof counts !== "object") return "";
  return Object.entries(counts)
    .map(([fmt, n]) => `${fmt} ${formatInt(n)}`)
    .join(" · ");
}

/** @param {number} n */
const pad2 = (n) => String(n).padStart(2, "0");

/**
 * A timestamp in seconds since the epoch as local time, `2024-05-01 13:04:05`.
 * @param {unknown} ts
 * @returns {string}
 */
export function formatTime(ts) {
  if (typeof ts !== "number" || !Number.isFinite(ts)) return "";
  const d = new Date(ts * 1000);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return `${date} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/**
 * The time of day only, `13:04:05`, for the event strip.
 * @param {unknown} ts
 * @returns {string}
 */
export function formatClock(ts) {
  return formatTime(ts).slice(11);
}

/**
 * The end of an ETag, enough to tell versions apart at a glance (a file's ETag starts
 * with its time, which neighbours share; its end differs).
 * @param {unknown} etag
 * @param {number} [keep]
 * @returns {string}
 */
export function shortEtag(etag, keep = 8) {
  const s = typeof etag === "string" ? etag : "";
  return s.length > keep ? `…${s.slice(-keep)}` : s;
}

/**
 * A write counter as shown in rows and the strip: `#1,204`.
 * @param {unknown} counter
 * @returns {string}
 */
export function formatCounter(counter) {
  return typeof counter === "number" ? `#${formatInt(counter)}` : ""; // stores on disk have none
}

/**
 * "1 node" / "3 nodes".
 * @param {unknown} n
 * @param {string} singular
 * @param {string} [plural]
 * @returns {string}
 */
export function plural(n, singular, plural = `${singular}s`) {
  return `${formatInt(n)} ${n === 1 ? singular : plural}`;
}
