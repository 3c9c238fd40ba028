// @vitest-environment happy-dom
import { afterEach, expect, test, vi } from "vitest";
import { DEBOUNCE_MS, searchStatus } from "../src/search.js";
import {
  flush,
  itemAt,
  leaf,
  listing,
  sampleModel as store,
  text,
  unmountAll,
  view,
} from "./fake_model.js";

afterEach(unmountAll);

test("typing sets query once, after the debounce", () => {
  vi.useFakeTimers();
  const model = store();
  const { el } = view(model);
  const input = /** @type {HTMLInputElement} */ (el.querySelector(".ldnb-search-input"));
  for (const value of ["a", "a/", "a/*"]) {
    input.value = value;
    input.dispatchEvent(new Event("input"));
    vi.advanceTimersByTime(DEBOUNCE_MS - 50);
  }
  expect(model.get("query")).toBe("");
  expect(model.saves).toBe(0);
  vi.advanceTimersByTime(60);
  expect(model.get("query")).toBe("a/*");
  expect(model.saves).toBe(1);
  expect(text(el, ".ldnb-search-status")).toBe("searching…");
});

test("results show the count, highlight matching rows, and Escape clears", async () => {
  const model = store();
  const { el, tree } = view(model);
  const input = /** @type {HTMLInputElement} */ (el.querySelector(".ldnb-search-input"));
  input.focus();
  input.value = "y";
  input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  expect(document.activeElement).toBe(input);
  expect(model.get("query")).toBe("y");
  model.update({ search_result: { query: "y", matches: ["y"], total: 1, error: null } });
  await flush();
  expect(text(el, ".ldnb-search-status")).toBe("1 match");
  expect(itemAt(tree, "y", "leaf").classList.contains("ldnb-match")).toBe(true);
  expect(itemAt(tree, "x", "leaf").classList.contains("ldnb-match")).toBe(false);
  expect(/** @type {HTMLElement} */ (document.activeElement).dataset.path).toBe("y"); // Enter jumps
  input.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
  expect(input.value).toBe("");
  expect(model.get("query")).toBe("");
  expect(model.saves).toBe(2);
});

test("errors and capped results read clearly", () => {
  expect(searchStatus("[", { query: "[", matches: [], total: 0, error: "bad glob" })).toEqual({
    text: "bad glob",
    error: true,
  });
  expect(searchStatus("k", { query: "k", matches: ["a", "b"], total: 900 }).text).toBe(
    "900 matches (first 2 shown)",
  );
  expect(searchStatus("", {}).text).toBe("");
  const partial = { query: "k", matches: ["a"], total: 1, partial: true, searched: 10000 };
  expect(searchStatus("k", partial).text).toBe("1 match in the first 10,000 keys (search stopped)");
});

test("Enter jumps to a match whose listing arrives after the result (marimo's order)", async () => {
  const model = store();
  const { el, tree } = view(model);
  const input = /** @type {HTMLInputElement} */ (el.querySelector(".ldnb-search-input"));
  input.focus();
  input.value = "a/deep";
  input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  const result = { query: "a/deep", matches: ["a/deep"], total: 1, error: null };
  model.update({ search_result: result }); // one change event per trait, result first
  const listings = { ...model.get("listings"), a: listing([leaf("a/deep")]) };
  model.update({ expanded: ["a"] });
  model.update({ listings });
  await flush();
  expect(/** @type {HTMLElement} */ (document.activeElement).dataset.path).toBe("a/deep");
  expect(itemAt(tree, "a/deep", "leaf").classList.contains("ldnb-match")).toBe(true);
});
