// @vitest-environment happy-dom
import { afterEach, describe, expect, test } from "vitest";
import { CHUNK, MAX_EXPANDED } from "../src/protocol.js";
import {
  FakeModel,
  flush,
  itemAt,
  items,
  leaf,
  listing,
  unmountAll,
  view,
  node,
  press,
} from "./fake_model.js";

afterEach(unmountAll);

function store() {
  return new FakeModel({
    listings: {
      "": listing([
        node("users", { pkl: 10_000, json: 3 }, 1234),
        node("empty", {}, 2),
        leaf("config", "json", '{"a": 1}'),
      ]),
    },
  });
}

describe("rows", () => {
  test("every row is a treeitem with name, level, counts and last write", () => {
    const { tree } = view(store());
    expect(tree.getAttribute("role")).toBe("tree");
    const rows = items(tree);
    expect(rows).toHaveLength(3);
    const users = itemAt(tree, "users");
    expect(users.textContent).toContain("users");
    expect(users.getAttribute("aria-level")).toBe("1");
    expect(users.getAttribute("aria-expanded")).toBe("false");
    expect(users.querySelector(".ldnb-counts")?.textContent).toBe("pkl 10,000 · json 3");
    expect(users.querySelector(".ldnb-last-write")?.textContent).toBe("#1,234");
  });

  test("leaf rows show format, ETag and a short preview, and no aria-expanded", () => {
    const { tree } = view(store());
    const config = itemAt(tree, "config", "leaf");
    expect(config.querySelector(".ldnb-format")?.textContent).toBe("json");
    expect(config.querySelector(".ldnb-etag")?.textContent).toBe("…fig-json");
    expect(config.querySelector(".ldnb-preview")?.textContent).toBe('{"a": 1}');
    expect(config.hasAttribute("aria-expanded")).toBe(false);
    expect(config.getAttribute("aria-selected")).toBe("false");
  });

  test("exactly one row is in the tab order (roving tabindex)", () => {
    const { tree } = view(store());
    const tabbable = items(tree).filter((el) => el.getAttribute("tabindex") === "0");
    expect(tabbable.map((el) => el.dataset.path)).toEqual(["users"]);
  });
});

describe("expand and collapse", () => {
  test("a click opens a node: expanded gets its path, save_changes, a waiting row", () => {
    const model = store();
    const { tree } = view(model);
    itemAt(tree, "users").click();
    expect(model.get("expanded")).toEqual(["users"]);
    expect(model.saves).toBe(1);
    expect(itemAt(tree, "users").getAttribute("aria-expanded")).toBe("true");
    const waiting = itemAt(tree, "users", "waiting");
    expect(waiting.textContent).toContain("waiting for the kernel");
    expect(waiting.getAttribute("aria-level")).toBe("2");
  });

  test("the listing replaces the waiting row; a second click collapses", async () => {
    const model = store();
    const { tree } = view(model);
    itemAt(tree, "users").click();
    model.update({
      listings: {
        ...model.get("listings"),
        users: listing([leaf("users/ann"), leaf("users/bob")]),
      },
    });
    await flush();
    expect(items(tree).map((el) => el.dataset.path)).toEqual([
      "users",
      "users/ann",
      "users/bob",
      "empty",
      "config",
    ]);
    expect(tree.querySelector(".ldnb-waiting")).toBeNull();
    itemAt(tree, "users").click();
    expect(model.get("expanded")).toEqual([]);
    expect(model.saves).toBe(2);
    expect(items(tree)).toHaveLength(3);
  });

  test("collapsing also drops expanded descendants and their limits", () => {
    const model = store();
    model.data.expanded = ["users", "users/x", "empty"];
    model.data.limits = { users: 300, "users/x": 200 };
    model.data.listings.users = listing([node("users/x")]);
    model.data.listings["users/x"] = listing([leaf("users/x/1")]);
    const { tree } = view(model);
    itemAt(tree, "users").click();
    expect(model.get("expanded")).toEqual(["empty"]);
    expect(model.get("limits")).toEqual({});
  });

  test("show more raises limits[path] by CHUNK; waiting until the kernel answers", async () => {
    const first = Array.from({ length: CHUNK }, (_, i) => leaf(`k${i}`));
    const model = new FakeModel({ listings: { "": listing(first, 250) } });
    const { tree } = view(model);
    const more = itemAt(tree, "", "more");
    expect(more.textContent).toBe("show more (150 more)");
    more.click();
    expect(model.get("limits")).toEqual({ "": 2 * CHUNK });
    expect(model.saves).toBe(1);
    expect(tree.querySelector(".ldnb-more")).toBeNull();
    expect(itemAt(tree, "", "waiting").textContent).toContain("waiting for the kernel");
    const second = Array.from({ length: 2 * CHUNK }, (_, i) => leaf(`k${i}`));
    model.update({ listings: { "": listing(second, 250) } });
    await flush();
    expect(tree.querySelector(".ldnb-waiting")).toBeNull();
    tree.scrollTop = 1_000_000; // 201 rows: virtualised, the more row is at the bottom
    tree.dispatchEvent(new Event("scroll"));
    expect(itemAt(tree, "k199", "leaf").getAttribute("aria-posinset")).toBe("200");
    expect(itemAt(tree, "", "more").textContent).toBe("show more (50 more)");
  });
});

describe("keyboard", () => {
  function open() {
    const model = store();
    model.data.expanded = ["users"];
    model.data.listings.users = listing([leaf("users/ann"), leaf("users/bob")]);
    const v = view(model);
    return { model, ...v };
  }
  const focused = () => /** @type {HTMLElement} */ (document.activeElement).dataset.path;

  test("down, up, home and end move the focus and the tabindex", () => {
    const { tree } = open();
    itemAt(tree, "users").focus();
    press(tree, "ArrowDown");
    expect(focused()).toBe("users/ann");
    press(tree, "ArrowDown");
    expect(focused()).toBe("users/bob");
    press(tree, "ArrowUp");
    expect(focused()).toBe("users/ann");
    expect(itemAt(tree, "users/ann", "leaf").getAttribute("tabindex")).toBe("0");
    expect(itemAt(tree, "users").getAttribute("tabindex")).toBe("-1");
    press(tree, "End");
    expect(focused()).toBe("config");
    press(tree, "Home");
    expect(focused()).toBe("users");
  });

  test("left closes, right opens, right again moves to the first child, left to the parent", () => {
    const { tree, model } = open();
    itemAt(tree, "users").focus();
    press(tree, "ArrowLeft");
    expect(model.get("expanded")).toEqual([]);
    expect(focused()).toBe("users");
    press(tree, "ArrowRight");
    expect(model.get("expanded")).toEqual(["users"]);
    expect(focused()).toBe("users");
    press(tree, "ArrowRight");
    expect(focused()).toBe("users/ann");
    press(tree, "ArrowLeft");
    expect(focused()).toBe("users");
  });

  test("enter opens a node and selects a leaf", () => {
    const { tree, model } = open();
    itemAt(tree, "empty").focus();
    press(tree, "Enter");
    expect(model.get("expanded")).toEqual(["users", "empty"]);
    itemAt(tree, "users/bob", "leaf").focus();
    press(tree, "Enter");
    expect(model.get("selected")).toEqual({ path: "users/bob", format: "pkl" });
    expect(itemAt(tree, "users/bob", "leaf").getAttribute("aria-selected")).toBe("true");
    expect(itemAt(tree, "users/ann", "leaf").getAttribute("aria-selected")).toBe("false");
  });

  test("keys stop at the tree: the notebook never sees them", () => {
    const { tree, el } = open();
    let seen = 0;
    const count = () => {
      seen += 1;
    };
    document.addEventListener("keydown", count);
    itemAt(tree, "users").focus();
    const event = press(tree, "ArrowDown");
    press(tree, "a");
    document.removeEventListener("keydown", count);
    expect(seen).toBe(0);
    expect(event.defaultPrevented).toBe(true);
    expect(el.querySelector(".ldnb-root")?.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    // Notebook 7 checks the focused element itself: every focusable row carries it too.
    const focusable = [tree, ...tree.querySelectorAll('[role="treeitem"]')];
    expect(focusable.length).toBeGreaterThan(1);
    for (const item of focusable) {
      expect(item.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    }
  });
});

test("collapsing from inside keeps the focus on the collapsed node", () => {
  const model = store();
  model.data.expanded = ["users"];
  model.data.listings.users = listing([leaf("users/ann"), leaf("users/bob")]);
  const { tree } = view(model);
  itemAt(tree, "users/bob", "leaf").focus();
  itemAt(tree, "users").click();
  expect(model.get("expanded")).toEqual([]);
  expect(/** @type {HTMLElement} */ (document.activeElement).dataset.path).toBe("users");
});

test("opening more than MAX_EXPANDED nodes is refused with a notice", () => {
  const model = store();
  model.data.expanded = Array.from({ length: MAX_EXPANDED }, (_, i) => `elsewhere/${i}`);
  const { tree, el } = view(model);
  itemAt(tree, "users").click();
  expect(model.get("expanded")).toHaveLength(MAX_EXPANDED);
  expect(model.saves).toBe(0);
  expect(el.querySelector(".ldnb-notice")?.textContent).toContain(`${MAX_EXPANDED} nodes`);
});

test("a click on a leaf selects it", () => {
  const model = store();
  const { tree } = view(model);
  itemAt(tree, "config", "leaf").click();
  expect(model.get("selected")).toEqual({ path: "config", format: "json" });
  expect(model.saves).toBe(1);
  expect(itemAt(tree, "config", "leaf").getAttribute("aria-selected")).toBe("true");
});

describe("virtual scrolling", () => {
  const big = () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => leaf(`key${i}`));
    return new FakeModel({ listings: { "": listing(rows, 10_000) }, limits: { "": 10_000 } });
  };

  test("10,000 visible rows render only a window, with spacers for the rest", () => {
    const { tree } = view(big());
    const rendered = items(tree);
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(120);
    expect(tree.classList.contains("ldnb-virtual")).toBe(true);
    const bottom = /** @type {HTMLElement} */ (tree.querySelector(".ldnb-spacer-bottom"));
    expect(parseInt(bottom.style.height, 10)).toBeGreaterThan(200_000);
    expect(rendered[0].getAttribute("aria-setsize")).toBe("10000");
  });

  test("scrolling renders the rows in view", () => {
    const { tree } = view(big());
    tree.scrollTop = 5000 * 24;
    tree.dispatchEvent(new Event("scroll"));
    const paths = items(tree).map((el) => el.dataset.path);
    expect(paths).toContain("key5000");
    expect(paths).not.toContain("key0");
    expect(paths.length).toBeLessThan(120);
  });

  test("End jumps to the last row and focuses it", () => {
    const { tree } = view(big());
    items(tree)[0].focus();
    press(tree, "End");
    expect(/** @type {HTMLElement} */ (document.activeElement).dataset.path).toBe("key9999");
    expect(items(tree).length).toBeLessThan(120);
  });

  test("scrolling the focused row away keeps the focus in the tree, and keys bring it back", () => {
    const { tree } = view(big());
    items(tree)[0].focus();
    tree.scrollTop = 5000 * 24;
    tree.dispatchEvent(new Event("scroll"));
    expect(document.activeElement).toBe(tree);
    expect(tree.getAttribute("tabindex")).toBe("0");
    press(tree, "ArrowDown");
    expect(/** @type {HTMLElement} */ (document.activeElement).dataset.path).toBe("key1");
    expect(tree.getAttribute("tabindex")).toBe("-1");
  });
});

test("rows that arrive after an empty root get the roving tabindex", async () => {
  const model = new FakeModel({ listings: { "": listing([]) } });
  const { tree } = view(model);
  expect(items(tree)).toHaveLength(0);
  model.update({ listings: { "": listing([leaf("a"), leaf("b")]) } });
  await flush();
  expect(items(tree).map((el) => el.getAttribute("tabindex"))).toEqual(["0", "-1"]);
});
