import { describe, expect, test } from "vitest";
import { CHUNK, MAX_LIMIT } from "../src/protocol.js";
import {
  rowKey,
  visibleRows,
  withCollapsed,
  withExpanded,
  withMore,
  withoutLimits,
} from "../src/state.js";
import { leaf, listing, node } from "./fake_model.js";

/** @param {import("../src/state.js").VisibleRow[]} rows */
const summary = (rows) => rows.map((r) => `${r.level}:${r.kind}:${r.path}`);

describe("visibleRows", () => {
  test("lists the root's rows at level 1, children of expanded nodes below them", () => {
    const rows = visibleRows({
      listings: {
        "": listing([node("a"), node("b"), leaf("x")]),
        a: listing([leaf("a/1", "json"), leaf("a/1", "pkl")]),
      },
      expanded: ["a"],
      limits: {},
    });
    expect(summary(rows)).toEqual(["1:node:a", "2:leaf:a/1", "2:leaf:a/1", "1:node:b", "1:leaf:x"]);
    expect(rows[0].expanded).toBe(true);
    expect(rows[3].expanded).toBe(false);
    expect(rows[1].key).not.toBe(rows[2].key);
    expect(rows[0]).toMatchObject({ posinset: 1, setsize: 3 });
  });

  test("an expanded node without a listing yet shows a waiting row", () => {
    const rows = visibleRows({
      listings: { "": listing([node("a")]) },
      expanded: ["a"],
      limits: {},
    });
    expect(summary(rows)).toEqual(["1:node:a", "2:waiting:a"]);
  });

  test("no root listing yet is a waiting row too", () => {
    expect(summary(visibleRows({ listings: {}, expanded: [], limits: {} }))).toEqual([
      "1:waiting:",
    ]);
  });

  test("offers show more while total exceeds the rows sent", () => {
    const rows100 = Array.from({ length: CHUNK }, (_, i) => leaf(`k${i}`));
    const rows = visibleRows({ listings: { "": listing(rows100, 250) }, expanded: [], limits: {} });
    const last = rows[rows.length - 1];
    expect(last).toMatchObject({ kind: "more", path: "", remaining: 150, shown: CHUNK });
  });

  test("a raised limit not yet answered shows a waiting row instead of show more", () => {
    const rows100 = Array.from({ length: CHUNK }, (_, i) => leaf(`k${i}`));
    const rows = visibleRows({
      listings: { "": listing(rows100, 250) },
      expanded: [],
      limits: { "": 200 },
    });
    expect(rows[rows.length - 1].kind).toBe("waiting");
  });

  test("past MAX_LIMIT rows nothing more can be requested", () => {
    const many = Array.from({ length: MAX_LIMIT }, (_, i) => leaf(`k${i}`));
    const rows = visibleRows({
      listings: { "": listing(many, MAX_LIMIT + 5) },
      expanded: [],
      limits: { "": MAX_LIMIT },
    });
    expect(rows[rows.length - 1]).toMatchObject({ kind: "limit", remaining: 5 });
  });

  test("ghosts come back at their old index until listed again", () => {
    const ghost = { parent: "", index: 1, row: leaf("gone") };
    const rows = visibleRows({
      listings: { "": listing([leaf("a"), leaf("b")]) },
      expanded: [],
      limits: {},
      ghosts: [ghost],
    });
    expect(summary(rows)).toEqual(["1:leaf:a", "1:leaf:gone", "1:leaf:b"]);
    expect(rows[1].ghost).toBe(true);
    const back = visibleRows({
      listings: { "": listing([leaf("a"), leaf("gone")]) },
      expanded: [],
      limits: {},
      ghosts: [ghost],
    });
    expect(back.filter((r) => r.ghost)).toEqual([]);
  });

  test("malformed traits do not throw", () => {
    expect(visibleRows({ listings: null, expanded: "a", limits: 3 })).toHaveLength(1);
    const rows = visibleRows({
      listings: { "": { rows: [null, { path: 3 }, leaf("ok")], total: 3 } },
      expanded: [],
      limits: {},
    });
    expect(summary(rows)).toEqual(["1:leaf:ok"]);
  });

  test("a listing that names its own parent does not loop", () => {
    const rows = visibleRows({
      listings: { "": listing([node("a")]), a: listing([node("a")]) },
      expanded: ["a"],
      limits: {},
    });
    expect(rows).toHaveLength(2);
  });
});

test("rowKey tells a node from a leaf of the same name, and leaves by format", () => {
  expect(rowKey("node", "a")).not.toBe(rowKey("leaf", "a", "pkl"));
  expect(rowKey("leaf", "a", "pkl")).not.toBe(rowKey("leaf", "a", "json"));
});

test("withExpanded adds once, withCollapsed drops the node and its descendants", () => {
  expect(withExpanded(["a"], "b")).toEqual(["a", "b"]);
  expect(withExpanded(["a"], "a")).toEqual(["a"]);
  expect(withCollapsed(["a", "a/b", "a/b/c", "ab", "c"], "a")).toEqual(["ab", "c"]);
});

test("withMore raises by CHUNK from what is shown, capped at MAX_LIMIT", () => {
  expect(withMore({}, "a", CHUNK)).toEqual({ a: 2 * CHUNK });
  expect(withMore({ a: 300, b: 5 }, "a", 300)).toEqual({ a: 400, b: 5 });
  expect(withMore({ a: MAX_LIMIT - 10 }, "a", MAX_LIMIT - 10)).toEqual({ a: MAX_LIMIT });
  expect(withoutLimits({ a: 200, "a/b": 300, ab: 200 }, "a")).toEqual({ ab: 200 });
});
