import { expect, it } from "vitest";
import { constantTimeEqual } from "./api-key.ts";

it("constantTimeEqual compares exactly, whatever the lengths", async () => {
  expect(await constantTimeEqual("abc", "abc")).toBe(true);
  expect(await constantTimeEqual("abc", "abd")).toBe(false);
  expect(await constantTimeEqual("abc", "abcd")).toBe(false);
  expect(await constantTimeEqual("", "x")).toBe(false);
});
