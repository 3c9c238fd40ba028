// @vitest-environment happy-dom
// One message from the kernel carries several traits: the tree computes its rows once.
import { afterEach, expect, test, vi } from "vitest";
import { visibleRows } from "../src/state.js";
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

vi.mock("../src/state.js", async (importOriginal) => {
  const actual = /** @type {typeof import("../src/state.js")} */ (await importOriginal());
  return { ...actual, visibleRows: vi.fn(actual.visibleRows) };
});

const computed = () => vi.mocked(visibleRows).mock.calls.length;

afterEach(unmountAll);

function store() {
  return new FakeModel({ listings: { "": listing([node("users"), leaf("config")]) } });
}

test("a flush that sets six traits computes the visible rows once", async () => {
  const model = store();
  const { tree } = view(model);
  vi.mocked(visibleRows).mockClear();
  model.update({
    listings: {
      "": listing([node("users"), leaf("config"), leaf("new")]),
      users: listing([leaf("users/ann")]),
    },
    expanded: ["users"],
    limits: { users: 200 },
    changes: { seq: 1, set: ["new"], deleted: [], pruned: [] },
    selected: { path: "config", format: "pkl" },
    search_result: { query: "ann", matches: ["users/ann"], total: 1 },
  });
  await flush();
  expect(computed()).toBe(1);
  expect(items(tree).map((el) => el.dataset.path)).toEqual(["users", "users/ann", "config", "new"]);
  expect(itemAt(tree, "new", "leaf").classList.contains("ldnb-flash")).toBe(true);
  expect(itemAt(tree, "users/ann", "leaf").classList.contains("ldnb-match")).toBe(true);
  expect(itemAt(tree, "config", "leaf").getAttribute("aria-selected")).toBe("true");
});

test("two flushes in a row before the page paints still mark both writes", async () => {
  const model = store();
  const { tree } = view(model);
  model.update({
    listings: { "": listing([node("users"), leaf("config"), leaf("a")]) },
    changes: { seq: 1, set: ["a"], deleted: [], pruned: [] },
  });
  model.update({
    listings: { "": listing([node("users"), leaf("config"), leaf("a"), leaf("b")]) },
    changes: { seq: 2, set: ["b"], deleted: [], pruned: [] },
  });
  await flush();
  expect(itemAt(tree, "a", "leaf").classList.contains("ldnb-flash")).toBe(true);
  expect(itemAt(tree, "b", "leaf").classList.contains("ldnb-flash")).toBe(true);
});

test("a click refreshes at once, and the change it causes adds no second refresh", async () => {
  const model = store();
  const { tree } = view(model);
  vi.mocked(visibleRows).mockClear();
  itemAt(tree, "users").click();
  expect(itemAt(tree, "users", "waiting")).toBeTruthy();
  await flush();
  expect(computed()).toBe(1);
});

test("a refresh scheduled before cleanup never runs", async () => {
  const model = store();
  const { cleanup } = view(model);
  vi.mocked(visibleRows).mockClear();
  model.update({ listings: { "": listing([leaf("config")]) } });
  cleanup();
  await flush();
  expect(computed()).toBe(0);
});
