import { expect, test } from "vitest";
import { keyAction, parentIndex } from "../src/keyboard.js";

/** @returns {import("../src/state.js").VisibleRow[]} */
function rows() {
  return [
    { key: "n:a", kind: "node", path: "a", level: 1, name: "a", expanded: true },
    { key: "l:a/x", kind: "leaf", path: "a/x", level: 2, name: "x" },
    { key: "n:a/y", kind: "node", path: "a/y", level: 2, name: "y", expanded: false },
    { key: "n:b", kind: "node", path: "b", level: 1, name: "b", expanded: false },
  ];
}

test("up, down, home and end move within bounds", () => {
  expect(keyAction("ArrowDown", rows(), 0)).toEqual({ type: "focus", index: 1 });
  expect(keyAction("ArrowDown", rows(), 3)).toEqual({ type: "focus", index: 3 });
  expect(keyAction("ArrowUp", rows(), 0)).toEqual({ type: "focus", index: 0 });
  expect(keyAction("Home", rows(), 2)).toEqual({ type: "focus", index: 0 });
  expect(keyAction("End", rows(), 0)).toEqual({ type: "focus", index: 3 });
});

test("right opens a closed node, then moves to its first child", () => {
  expect(keyAction("ArrowRight", rows(), 3)).toEqual({ type: "expand", index: 3 });
  expect(keyAction("ArrowRight", rows(), 0)).toEqual({ type: "focus", index: 1 });
  expect(keyAction("ArrowRight", rows(), 1)).toEqual({ type: "focus", index: 1 });
});

test("left closes an open node, else moves to the parent", () => {
  expect(keyAction("ArrowLeft", rows(), 0)).toEqual({ type: "collapse", index: 0 });
  expect(keyAction("ArrowLeft", rows(), 2)).toEqual({ type: "focus", index: 0 });
  expect(keyAction("ArrowLeft", rows(), 3)).toEqual({ type: "focus", index: 3 });
  expect(parentIndex(rows(), 1)).toBe(0);
});

test("enter and space activate; other keys are not ours", () => {
  expect(keyAction("Enter", rows(), 1)).toEqual({ type: "activate", index: 1 });
  expect(keyAction(" ", rows(), 1)).toEqual({ type: "activate", index: 1 });
  expect(keyAction("a", rows(), 1)).toBeNull();
  expect(keyAction("ArrowDown", [], 0)).toBeNull();
});
