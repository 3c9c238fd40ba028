// widget.css read as text: colours come from one theme decision, and every rule is
// specific enough to beat the hosts' output-area rules (`.jp-OutputArea-output pre`).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const CSS = readFileSync(new URL("../src/widget.css", import.meta.url), "utf8").replace(
  /\/\*[\s\S]*?\*\//g,
  "",
);

/** Host variables that are not colours, so safe in any theme. */
const HOST_FONT_VARS = ["--jp-ui-font-family", "--jp-ui-font-size1", "--jp-code-font-family"];
const TEXT = ["--ldnb-fg", "--ldnb-muted", "--ldnb-accent", "--ldnb-warn", "--ldnb-error"];
const BACKGROUNDS = [
  "--ldnb-bg",
  "--ldnb-bg-alt",
  "--ldnb-hover",
  "--ldnb-selected",
  "--ldnb-match",
  "--ldnb-flash",
];

/**
 * The style rules of `text` (inside @media too; @keyframes frames are not rules).
 * @param {string} text
 * @returns {{ selector: string, body: string }[]}
 */
function rules(text) {
  /** @type {{ selector: string, body: string }[]} */
  const out = [];
  let i = 0;
  for (let open = text.indexOf("{"); open >= 0; open = text.indexOf("{", i)) {
    const prelude = text.slice(i, open).trim();
    let depth = 1;
    let j = open + 1;
    for (; depth > 0; j += 1) depth += text[j] === "{" ? 1 : text[j] === "}" ? -1 : 0;
    const inner = text.slice(open + 1, j - 1);
    if (prelude.startsWith("@media")) out.push(...rules(inner));
    else if (!prelude.startsWith("@keyframes")) out.push({ selector: prelude, body: inner });
    i = j;
  }
  return out;
}

/**
 * The custom properties a theme block defines.
 * @param {"light" | "dark"} theme
 * @returns {Record<string, string>}
 */
function palette(theme) {
  const block = rules(CSS).find((r) => r.selector === `.ldnb-root.ldnb-theme-${theme}`);
  if (!block) throw new Error(`no .ldnb-root.ldnb-theme-${theme} block`);
  /** @type {Record<string, string>} */
  const vars = {};
  for (const m of block.body.matchAll(/(--ldnb-[\w-]+)\s*:\s*([^;]+);/g)) vars[m[1]] = m[2].trim();
  return vars;
}

/** @param {string} hex */
function luminance(hex) {
  const channels = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** @param {string} a @param {string} b */
function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * (classes + attributes + pseudo-classes, element names) of one selector.
 * @param {string} selector
 */
function specificity(selector) {
  const s = selector.replace(/::[\w-]+/g, "");
  const b = (s.match(/\.[\w-]+|\[[^\]]*\]|:[\w-]+/g) ?? []).length;
  const c = (s.replace(/\[[^\]]*\]/g, "").match(/(^|[\s>+~])[a-z][\w-]*/gi) ?? []).length;
  return { b, c };
}

describe("one theme decision", () => {
  test("no colour comes from the host's variables: only fonts may", () => {
    const used = [...CSS.matchAll(/var\((--(?:jp|vscode)-[\w-]+)/g)].map((m) => m[1]);
    expect(used.filter((name) => !HOST_FONT_VARS.includes(name))).toEqual([]);
  });

  test("colour literals appear only in the two theme blocks", () => {
    for (const { selector, body } of rules(CSS)) {
      if (/^\.ldnb-root\.ldnb-theme-(light|dark)$/.test(selector)) continue;
      expect(body, selector).not.toMatch(/#[0-9a-f]{3,8}\b|\b(rgba?|hsla?|color-mix)\(/i);
    }
  });

  for (const theme of /** @type {const} */ (["light", "dark"])) {
    test(`${theme}: every text colour has contrast >= 4.5 on every background`, () => {
      const vars = palette(theme);
      for (const name of [...TEXT, ...BACKGROUNDS]) {
        expect(vars[name], `${theme} ${name}`).toMatch(/^#[0-9a-f]{6}$/i);
      }
      for (const fg of TEXT) {
        for (const bg of BACKGROUNDS) {
          const ratio = contrast(vars[fg], vars[bg]);
          expect(ratio, `${theme}: ${fg} ${vars[fg]} on ${bg} ${vars[bg]}`).toBeGreaterThanOrEqual(
            4.5,
          );
        }
      }
    });
  }

  test("both themes define the same variables", () => {
    expect(Object.keys(palette("dark")).sort()).toEqual(Object.keys(palette("light")).sort());
  });
});

describe("host rules do not win", () => {
  test("every selector is scoped under .ldnb-root and beats `.jp-OutputArea-output pre`", () => {
    for (const { selector } of rules(CSS)) {
      for (const part of selector.split(",").map((p) => p.trim())) {
        expect(part, part).toMatch(/^\.ldnb-root[.:\s[]/);
        const { b, c } = specificity(part);
        expect(b > 1 || (b === 1 && c > 1), `${part} is (0,${b},${c})`).toBe(true);
      }
    }
  });

  test("every class is prefixed ldnb-", () => {
    const classes = [...CSS.matchAll(/\.(-?[a-z_][\w-]*)/gi)].map((m) => m[1]);
    expect(classes.filter((c) => !c.startsWith("ldnb-"))).toEqual([]);
  });
});
