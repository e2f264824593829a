import { isMarqueeError } from "@marquee/shared";
import { expect, it } from "vitest";
import { parseTopK } from "./predict.ts";

it("parseTopK: default 5, whole numbers ≥ 1, everything else bad_request", () => {
  expect(parseTopK(undefined)).toBe(5);
  expect(parseTopK("1")).toBe(1);
  expect(parseTopK("42")).toBe(42);
  for (const bad of ["0", "-1", "1.5", "", "abc", "1e3", " 3"]) {
    let code = "none";
    try {
      parseTopK(bad);
    } catch (err) {
      code = isMarqueeError(err) ? err.code : "other";
    }
    expect(code, bad).toBe("bad_request");
  }
});
