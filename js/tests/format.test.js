import { describe, expect, test } from "vitest";
import {
  formatClock,
  formatCounter,
  formatCounts,
  formatInt,
  formatTime,
  plural,
  shortEtag,
} from "../src/format.js";

describe("formatInt", () => {
  test("groups thousands with commas", () => {
    expect(formatInt(0)).toBe("0");
    expect(formatInt(999)).toBe("999");
    expect(formatInt(10_000)).toBe("10,000");
    expect(formatInt(1_234_567)).toBe("1,234,567");
    expect(formatInt(-1_000)).toBe("-1,000");
  });

  test("shows 0 for anything that is not a finite number", () => {
    expect(formatInt(undefined)).toBe("0");
    expect(formatInt("12")).toBe("0");
    expect(formatInt(Number.NaN)).toBe("0");
  });
});

test("formatCounts joins formats in the given order", () => {
  expect(formatCounts({ pkl: 1204, json: 17 })).toBe("pkl 1,204 · json 17");
  expect(formatCounts({})).toBe("");
  expect(formatCounts(null)).toBe("");
});

test("formatTime gives local date and time, formatClock the time only", () => {
  const ts = new Date(2024, 4, 1, 13, 4, 5).getTime() / 1000;
  expect(formatTime(ts)).toBe("2024-05-01 13:04:05");
  expect(formatClock(ts)).toBe("13:04:05");
  expect(formatTime("soon")).toBe("");
});

test("shortEtag, formatCounter and plural", () => {
  expect(shortEtag("0123456789abcdef")).toBe("…89abcdef"); // a file ETag's end differs
  expect(shortEtag("1796126812989736786:20:2154638")).toBe("…:2154638");
  expect(shortEtag("abc")).toBe("abc");
  expect(formatCounter(12345)).toBe("#12,345");
  expect(formatCounter(null)).toBe(""); // a store on disk has no write counter
  expect(plural(1, "node")).toBe("1 node");
  expect(plural(3, "node")).toBe("3 nodes");
  expect(plural(2, "match", "matches")).toBe("2 matches");
});
