// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { LiveMarks, MARK_MS } from "../src/live.js";
import { STRIP_RECENT, stripEntries } from "../src/strip.js";
import {
  FakeModel,
  flush,
  itemAt,
  items,
  leaf,
  listing,
  node,
  unmountAll,
  view,
} from "./fake_model.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  unmountAll();
  vi.useRealTimers();
});

/**
 * @param {number} seq
 * @param {string} kind
 * @param {string} key
 * @param {number} [count]
 */
function event(seq, kind, key, count = 1) {
  return {
    seq,
    kind,
    key,
    format: kind === "prune" ? null : "pkl",
    counter: seq * 10,
    ts: 1_700_000_000 + seq,
    count,
  };
}

function store() {
  return new FakeModel({
    listings: { "": listing([node("a", { pkl: 2 }, 5), leaf("x"), leaf("y")]) },
    changes: { seq: 1, set: ["x"], deleted: [], pruned: [] },
  });
}

describe("live updates", () => {
  test("change:listings and change:summary re-render", async () => {
    const model = store();
    const { tree, el } = view(model);
    model.update({
      listings: {
        "": listing([node("a", { pkl: 3, json: 1_500 }, 9), leaf("x"), leaf("y"), leaf("z")]),
      },
      summary: { formats: { pkl: 3, json: 1_500 }, keys: 1_503, nodes: 2, counter: 9 },
    });
    await flush();
    expect(items(tree).map((r) => r.dataset.path)).toEqual(["a", "x", "y", "z"]);
    expect(itemAt(tree, "a").querySelector(".ldnb-counts")?.textContent).toBe("pkl 3 · json 1,500");
    expect(itemAt(tree, "a").querySelector(".ldnb-last-write")?.textContent).toBe("#9");
    expect(el.querySelector(".ldnb-formats")?.textContent).toBe("pkl 3 · json 1,500");
    expect(el.querySelector(".ldnb-counter")?.textContent).toBe("counter #9");
  });

  test("the changes a view starts with do not flash", () => {
    const { tree } = view(store());
    expect(tree.querySelector(".ldnb-flash")).toBeNull();
  });

  test("set paths flash for about a second, and a new seq re-triggers", async () => {
    const model = store();
    const { tree } = view(model);
    model.update({ changes: { seq: 2, set: ["x", "a"], deleted: [], pruned: [] } });
    await flush();
    expect(itemAt(tree, "x", "leaf").classList.contains("ldnb-flash")).toBe(true);
    expect(itemAt(tree, "a").classList.contains("ldnb-flash")).toBe(true);
    expect(itemAt(tree, "y", "leaf").classList.contains("ldnb-flash")).toBe(false);
    vi.advanceTimersByTime(MARK_MS / 2);
    model.update({ changes: { seq: 3, set: ["x"], deleted: [], pruned: [] } });
    await flush();
    vi.advanceTimersByTime(MARK_MS * 0.75);
    expect(itemAt(tree, "x", "leaf").classList.contains("ldnb-flash")).toBe(true);
    expect(itemAt(tree, "a").classList.contains("ldnb-flash")).toBe(false);
    vi.advanceTimersByTime(MARK_MS);
    expect(tree.querySelector(".ldnb-flash")).toBeNull();
  });

  test("deleted rows fade, stay as ghosts where they were, then go", async () => {
    const model = store();
    const { tree } = view(model);
    model.update({
      listings: { "": listing([node("a", { pkl: 2 }, 5), leaf("y")]) },
      changes: { seq: 2, set: [], deleted: ["x"], pruned: [] },
    });
    await flush();
    const ghost = itemAt(tree, "x", "leaf");
    expect(ghost.classList.contains("ldnb-fade")).toBe(true);
    expect(ghost.getAttribute("aria-disabled")).toBe("true");
    expect(items(tree).map((r) => r.dataset.path)).toEqual(["a", "x", "y"]);
    vi.advanceTimersByTime(MARK_MS + 100);
    expect(items(tree).map((r) => r.dataset.path)).toEqual(["a", "y"]);
  });

  test("a delete that arrives before the listing still fades and ghosts", async () => {
    const model = store();
    const { tree } = view(model);
    model.update({ changes: { seq: 2, set: [], deleted: ["y"], pruned: [] } });
    await flush();
    expect(itemAt(tree, "y", "leaf").classList.contains("ldnb-fade")).toBe(true);
    model.update({ listings: { "": listing([node("a"), leaf("x")]) } });
    await flush();
    expect(itemAt(tree, "y", "leaf").classList.contains("ldnb-ghost")).toBe(true);
  });

  test("pruned node rows fade and are marked pruned", async () => {
    const model = store();
    const { tree } = view(model);
    model.update({
      listings: { "": listing([leaf("x"), leaf("y")]) },
      changes: { seq: 2, set: [], deleted: [], pruned: ["a"] },
    });
    await flush();
    const row = itemAt(tree, "a");
    expect(row.classList.contains("ldnb-fade")).toBe(true);
    expect(row.classList.contains("ldnb-pruned")).toBe(true);
  });
});

describe("event strip", () => {
  test("newest first, with kind, key, format and write counter", () => {
    const model = store();
    const { el } = view(model);
    model.update({ events: [event(1, "set", "x"), event(2, "delete", "a/b")] });
    const entries = [...el.querySelectorAll(".ldnb-event")];
    expect(entries.map((e) => e.querySelector(".ldnb-event-kind")?.textContent)).toEqual([
      "delete",
      "set",
    ]);
    expect(entries[0].querySelector(".ldnb-event-key")?.textContent).toBe("a/b");
    expect(entries[0].querySelector(".ldnb-event-format")?.textContent).toBe("pkl");
    expect(entries[0].querySelector(".ldnb-event-counter")?.textContent).toBe("#20");
  });

  test("prune entries are labelled, count nodes, list pruned paths, and survive many writes", () => {
    const model = store();
    const { el } = view(model);
    const writes = Array.from({ length: 30 }, (_, i) => event(i + 3, "set", `k${i}`));
    const prune1 = { ...event(1, "prune", "", 3), removed: ["a", "a/b", "c"] };
    const prune0 = { ...event(0, "prune", "", 1), removed: ["z"] };
    model.update({
      events: [prune0, prune1, event(2, "set", "x"), ...writes],
      changes: { seq: 2, set: [], deleted: [], pruned: ["z", "a", "a/b", "c"] },
    });
    const entries = [...el.querySelectorAll(".ldnb-event")];
    expect(entries).toHaveLength(STRIP_RECENT + 2);
    const [prune, older] = [...el.querySelectorAll(".ldnb-event-prune")];
    expect(older.textContent).toContain("pruned 1 node");
    expect([...older.querySelectorAll(".ldnb-pruned")].map((e) => e.textContent)).toEqual(["z"]);
    expect(prune.textContent).toContain("prune");
    expect(prune.textContent).toContain("pruned 3 nodes");
    expect([...prune.querySelectorAll(".ldnb-pruned")].map((e) => e.textContent)).toEqual([
      "a",
      "a/b",
      "c",
    ]);
    model.update({ changes: { seq: 3, set: ["k1"], deleted: [], pruned: [] } });
    expect(el.querySelectorAll(".ldnb-event-prune .ldnb-pruned")).toHaveLength(4);
  });

  test("stripEntries keeps every prune among the events", () => {
    const events = [
      event(1, "prune", "", 1),
      event(2, "prune", "", 2),
      ...Array.from({ length: 20 }, (_, i) => event(i + 3, "set", `k${i}`)),
    ];
    const kinds = stripEntries(events).map((e) => `${e.kind}${e.seq}`);
    expect(kinds.slice(0, STRIP_RECENT)).toEqual(
      Array.from({ length: STRIP_RECENT }, (_, i) => `set${22 - i}`),
    );
    expect(kinds.slice(STRIP_RECENT)).toEqual(["prune2", "prune1"]);
  });
});

test("LiveMarks ignores a repeated seq and forgets marks once over", () => {
  let now = 0;
  const marks = new LiveMarks(() => now);
  expect(marks.apply({ seq: 1, set: ["a"], deleted: ["b"], pruned: [] })).toBe(true);
  expect(marks.apply({ seq: 1, set: ["c"] })).toBe(false);
  expect(marks.flashStamp("a")).toBe(MARK_MS);
  expect(marks.flashStamp("c")).toBe(0);
  expect(marks.fade("b")).toEqual({ until: MARK_MS, pruned: false });
  expect(marks.expire()).toBe(MARK_MS);
  now = MARK_MS;
  expect(marks.expire()).toBeNull();
  expect(marks.fade("b")).toBeNull();
});
