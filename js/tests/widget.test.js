// @vitest-environment happy-dom
import { afterEach, expect, test, vi } from "vitest";
import * as entry from "../src/widget.js";
import {
  FakeModel,
  itemAt,
  leaf,
  listing,
  sampleModel as store,
  text,
  unmountAll,
  view,
} from "./fake_model.js";

const HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

afterEach(unmountAll);

test("the module exports only the default { render } object (anywidget's documented shape)", () => {
  expect(Object.keys(entry)).toEqual(["default"]);
  expect(Object.keys(entry.default)).toEqual(["render"]);
  expect(typeof entry.default.render).toBe("function");
});

test("hostile text from the model is rendered as text, never as markup", () => {
  const model = new FakeModel({
    summary: { prefix: [HOSTILE], formats: { [HOSTILE]: 1 } },
    listings: { "": listing([leaf(HOSTILE, HOSTILE, HOSTILE)]) },
    detail: {
      path: HOSTILE,
      format: "pkl",
      found: true,
      etag: HOSTILE,
      ts: 0,
      type: HOSTILE,
      preview: HOSTILE,
      truncated: false,
      python: HOSTILE,
    },
    events: [{ seq: 1, kind: "set", key: HOSTILE, format: HOSTILE, counter: 1, ts: 0, count: 1 }],
    notice: HOSTILE,
    search_result: { query: "", matches: [], total: 0, error: HOSTILE },
  });
  const { el, tree } = view(model);
  expect(el.querySelector("img, script")).toBeNull();
  expect(itemAt(tree, HOSTILE, "leaf").querySelector(".ldnb-preview")?.textContent).toBe(HOSTILE);
  expect(el.querySelector("pre.ldnb-value")?.textContent).toBe(HOSTILE);
  expect(text(el, ".ldnb-notice")).toBe(HOSTILE);
  expect(text(el, ".ldnb-event-key")).toBe(HOSTILE);
});

test("cleanup removes every model and DOM listener, clears timers and empties el", () => {
  vi.useFakeTimers();
  const added = new Map();
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  vi.spyOn(proto, "addEventListener").mockImplementation(
    /** @this {EventTarget} */ function (type, fn, opts) {
      added.set(fn, (added.get(fn) ?? 0) + 1);
      return add.call(this, type, fn, opts);
    },
  );
  vi.spyOn(proto, "removeEventListener").mockImplementation(
    /** @this {EventTarget} */ function (type, fn, opts) {
      added.set(fn, (added.get(fn) ?? 0) - 1);
      return remove.call(this, type, fn, opts);
    },
  );
  const mq = { matches: false, addEventListener: vi.fn(), removeEventListener: vi.fn() };
  vi.spyOn(window, "matchMedia").mockReturnValue(/** @type {any} */ (mq));

  const model = store();
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = entry.default.render({ model: /** @type {any} */ (model), el });
  expect(model.listenerCount()).toBeGreaterThan(5);
  const input = /** @type {HTMLInputElement} */ (el.querySelector(".ldnb-search-input"));
  input.value = "q";
  input.dispatchEvent(new Event("input"));
  model.update({ changes: { seq: 9, set: ["x"], deleted: ["y"], pruned: [] } });
  expect(vi.getTimerCount()).toBeGreaterThan(0);
  expect(mq.addEventListener).toHaveBeenCalledTimes(1);

  cleanup();
  expect(model.listenerCount()).toBe(0);
  expect(model.offCalls).toBe(model.onCalls);
  expect([...added.values()].every((n) => n === 0)).toBe(true);
  expect(mq.removeEventListener).toHaveBeenCalledWith(
    "change",
    mq.addEventListener.mock.calls[0][1],
    undefined,
  );
  expect(vi.getTimerCount()).toBe(0);
  expect(el.childNodes).toHaveLength(0);
  vi.advanceTimersByTime(5_000);
  expect(model.get("query")).toBe("");
});

test("a clipboard write that settles after cleanup starts no timer", async () => {
  vi.useFakeTimers();
  /** @type {(value?: unknown) => void} */
  let settle = () => {};
  const writeText = vi.fn(() => new Promise((resolve) => (settle = resolve)));
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
  const model = store();
  model.data.detail = { path: "x", format: "pkl", found: true, python: 'd["x"]' };
  const { el, cleanup } = view(model);
  /** @type {HTMLElement} */ (el.querySelector(".ldnb-copy")).click();
  cleanup();
  settle();
  await Promise.resolve();
  await Promise.resolve();
  expect(writeText).toHaveBeenCalledWith('d["x"]');
  expect(vi.getTimerCount()).toBe(0);
});

test("each render and cleanup tells the kernel how many views this page shows", () => {
  const model = store();
  model.update({ rendered: { pOther: 1, pGone: 0 } });
  const a = view(model);
  const b = view(model);
  const mine = () => Object.entries(model.get("rendered")).filter(([p]) => p !== "pOther");
  expect(mine()).toHaveLength(1);
  expect(mine()[0][1]).toBe(2);
  expect(model.get("rendered").pOther).toBe(1); // another page's count is kept
  expect("pGone" in model.get("rendered")).toBe(false); // pages at 0 are dropped
  a.cleanup();
  a.cleanup(); // a second cleanup of the same view changes nothing
  expect(mine()[0][1]).toBe(1);
  b.cleanup();
  expect(mine()[0][1]).toBe(0);
  expect(model.saves).toBeGreaterThan(0);
});
