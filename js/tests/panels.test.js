// @vitest-environment happy-dom
import { afterEach, describe, expect, test, vi } from "vitest";
import { detectTheme } from "../src/theme.js";
import {
  FakeModel,
  itemAt,
  listing,
  sampleModel as store,
  text,
  unmountAll,
  view,
} from "./fake_model.js";

afterEach(unmountAll);

describe("header", () => {
  test("shows keys per format, nodes, counter, prunes and ops since prune", () => {
    const { el } = view(store());
    expect(text(el, ".ldnb-formats")).toBe("pkl 1,204 · json 17");
    expect(text(el, ".ldnb-keys")).toBe("1,221 keys");
    expect(text(el, ".ldnb-nodes")).toBe("35 nodes");
    expect(text(el, ".ldnb-counter")).toBe("counter #4,321");
    expect(text(el, ".ldnb-prunes")).toBe("prunes: 2");
    expect(text(el, ".ldnb-ops")).toBe("ops since prune 3/64");
    expect(text(el, ".ldnb-prefix")).toBe("runs / 2024");
  });

  test("a store on disk or in S3: where it is, counts as far as counted, the poller", () => {
    const model = new FakeModel({
      summary: {
        kind: "FileDirDict", location: "/data/cache", format: "pkl", prefix: [],
        formats: { pkl: 10000, json: 3 }, keys: 10003, partial: true, counted: true,
        polled: 1_700_000_000, interval: 3, requests: 42, error: "cannot list /data: gone",
      },
      listings: {
        "": listing([
          { name: "a", path: "a", type: "node", counts: { pkl: 1e4 }, partial: true, last_write: null },
          { name: "b", path: "b", type: "node", counts: {}, counted: false, last_write: null },
        ]),
      },
    });
    const { el, tree } = view(model);
    expect(text(el, ".ldnb-title-name")).toBe("FileDirDict");
    expect(text(el, ".ldnb-prefix")).toBe("/data/cache");
    expect(text(el, ".ldnb-formats")).toBe("≥ pkl 10,000 · json 3");
    expect(text(el, ".ldnb-keys")).toBe("≥ 10,003 keys");
    expect(text(el, ".ldnb-interval")).toBe("every 3.0 s");
    expect(text(el, ".ldnb-requests")).toBe("42 requests");
    expect(text(el, ".ldnb-summary .ldnb-error")).toBe("cannot list /data: gone");
    expect(el.querySelector(".ldnb-counter")).toBeNull(); // no write counter, no prunes
    expect(el.querySelector(".ldnb-prunes")).toBeNull();
    const a = itemAt(tree, "a");
    expect(a.querySelector(".ldnb-counts")?.textContent).toBe("≥ pkl 10,000");
    expect(a.querySelector(".ldnb-last-write")?.textContent).toBe("");
    expect(itemAt(tree, "b").querySelector(".ldnb-counts")?.textContent).toBe("…");
  });

  test("no prune interval, and an empty summary, still render", () => {
    const model = store();
    const { el } = view(model);
    model.update({ summary: { ...model.get("summary"), prune_interval: null } });
    expect(text(el, ".ldnb-ops")).toBe("ops since prune 3");
    model.update({ summary: {} });
    expect(text(el, ".ldnb-formats")).toBe("no keys");
    expect(text(el, ".ldnb-prefix")).toBe("(root)");
  });
});

test("the notice line shows only when there is a notice", () => {
  const model = store();
  const { el } = view(model);
  const notice = /** @type {HTMLElement} */ (el.querySelector(".ldnb-notice"));
  expect(notice.hidden).toBe(true);
  model.update({ notice: "ignored: unknown path" });
  expect(notice.hidden).toBe(false);
  expect(notice.textContent).toBe("ignored: unknown path");
});

describe("detail panel", () => {
  const detail = {
    path: "a/b",
    format: "json",
    found: true,
    etag: "e-123",
    ts: new Date(2024, 0, 2, 3, 4, 5).getTime() / 1000,
    type: "dict",
    preview: "{'k': 1}",
    truncated: true,
    python: 'd["a", "b"]',
  };

  test("shows path, format, ETag, local time, type and the preview in a pre", () => {
    const model = store();
    const { el } = view(model);
    expect(text(el, ".ldnb-detail")).toContain("Select a key");
    model.update({ detail });
    expect(text(el, ".ldnb-meta-path")).toBe("a/b");
    expect(text(el, ".ldnb-meta-format")).toBe("json");
    expect(text(el, ".ldnb-meta-etag")).toBe("e-123");
    expect(text(el, ".ldnb-meta-time")).toBe("2024-01-02 03:04:05");
    expect(text(el, ".ldnb-meta-type")).toBe("dict");
    expect(el.querySelector("pre.ldnb-value")?.textContent).toBe("{'k': 1}");
    expect(text(el, ".ldnb-truncated")).toContain("truncated");
    expect(text(el, ".ldnb-python")).toBe('d["a", "b"]');
  });

  test("a new selection shows that its detail is on its way", () => {
    const model = store();
    const { el } = view(model);
    model.update({ detail });
    model.set("selected", { path: "x", format: "pkl" });
    expect(text(el, ".ldnb-detail-waiting")).toBe("x: waiting for the kernel…");
    expect(el.querySelector(".ldnb-value")).toBeNull();
    model.update({ detail: { ...detail, path: "x", format: "pkl" } });
    expect(text(el, ".ldnb-meta-path")).toBe("x");
  });

  test("a key that is gone says so", () => {
    const model = store();
    const { el } = view(model);
    model.update({ detail: { path: "a/b", format: "json", found: false, python: 'd["a", "b"]' } });
    expect(text(el, ".ldnb-detail-missing")).toContain("not found");
  });

  test("copy key writes detail.python to the clipboard", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const model = store();
    const { el } = view(model);
    model.update({ detail });
    /** @type {HTMLElement} */ (el.querySelector(".ldnb-copy")).click();
    expect(writeText).toHaveBeenCalledWith('d["a", "b"]');
    await Promise.resolve();
    await Promise.resolve();
    expect(text(el, ".ldnb-copy-status")).toBe("copied");
  });

  test("without a clipboard the key's text is selected", () => {
    Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
    const model = store();
    const { el } = view(model);
    model.update({ detail });
    /** @type {HTMLElement} */ (el.querySelector(".ldnb-copy")).click();
    expect(window.getSelection()?.toString()).toBe('d["a", "b"]');
    expect(text(el, ".ldnb-copy-status")).toContain("Ctrl+C");
  });
});

describe("theme", () => {
  test("follows VS Code, JupyterLab and marimo signals", () => {
    document.body.className = "vscode-dark";
    expect(detectTheme(window)).toBe("dark");
    document.body.className = "vscode-light";
    expect(detectTheme(window)).toBe("light");
    document.body.className = "";
    document.body.setAttribute("data-jp-theme-light", "false");
    expect(detectTheme(window)).toBe("dark");
    document.body.setAttribute("data-jp-theme-light", "true");
    expect(detectTheme(window)).toBe("light");
    document.body.removeAttribute("data-jp-theme-light");
    document.body.className = "dark dark-theme";
    expect(detectTheme(window)).toBe("dark");
  });

  test("falls back to prefers-color-scheme", () => {
    const mq = { matches: true, addEventListener: vi.fn(), removeEventListener: vi.fn() };
    vi.spyOn(window, "matchMedia").mockReturnValue(/** @type {any} */ (mq));
    expect(detectTheme(window)).toBe("dark");
    mq.matches = false;
    expect(detectTheme(window)).toBe("light");
  });

  test("VS Code's body class decides over JupyterLab's attribute and the OS preference", () => {
    const mq = { matches: true, addEventListener: vi.fn(), removeEventListener: vi.fn() };
    vi.spyOn(window, "matchMedia").mockReturnValue(/** @type {any} */ (mq));
    /** @param {string} cls @param {string} light @param {boolean} osDark */
    const decided = (cls, light, osDark) => {
      document.body.className = cls;
      document.body.setAttribute("data-jp-theme-light", light);
      mq.matches = osDark;
      const { el, cleanup } = view(store());
      const root = /** @type {HTMLElement} */ (el.querySelector(".ldnb-root"));
      const classes = [...root.classList].filter((c) => c.startsWith("ldnb-theme-"));
      cleanup();
      return classes;
    };
    expect(decided("vscode-dark", "true", false)).toEqual(["ldnb-theme-dark"]);
    expect(decided("vscode-light", "false", true)).toEqual(["ldnb-theme-light"]);
    expect(decided("vscode-high-contrast", "true", false)).toEqual(["ldnb-theme-dark"]);
    expect(decided("", "false", false)).toEqual(["ldnb-theme-dark"]);
    expect(decided("", "true", true)).toEqual(["ldnb-theme-light"]);
  });

  test("the root carries the theme class and switches with the host", async () => {
    document.body.setAttribute("data-jp-theme-light", "true");
    const { el } = view(store());
    const root = /** @type {HTMLElement} */ (el.querySelector(".ldnb-root"));
    expect(root.classList.contains("ldnb-theme-light")).toBe(true);
    document.body.setAttribute("data-jp-theme-light", "false");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(root.classList.contains("ldnb-theme-dark")).toBe(true);
    expect(root.classList.contains("ldnb-theme-light")).toBe(false);
  });
});
