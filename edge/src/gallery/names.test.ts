import { isMarqueeError } from "@marquee/shared";
import { expect, it } from "vitest";
import { faceId, galleryName, personName } from "./names.ts";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isMarqueeError(err, "bad_request") ? err.message : `other: ${String(err)}`;
  }
  return "accepted";
}

it("accepts plain gallery names and refuses everything else with a 400", () => {
  expect(galleryName("staff")).toBe("staff");
  expect(galleryName("a")).toBe("a");
  expect(galleryName(`x${"-".repeat(62)}`)).toHaveLength(63);
  for (const bad of ["", "Staff", "-x", "_x", "a b", "a/b", "é", "x".repeat(64), "a.b"]) {
    expect(
      refusal(() => galleryName(bad)),
      bad,
    ).toMatch(/^Gallery name .* is not valid/);
  }
});

it("accepts real names in any script and refuses empty, long, odd or reserved ones", () => {
  for (const ok of ["Tom Hanks", "Zoë O'Neil", "李小龙", "Jean-Luc Picard", "R2 D2", "Robert Downey Jr."]) {
    expect(personName(ok)).toBe(ok.normalize("NFC"));
  }
  expect(personName("Zoe\u0308")).toBe("Zoë");
  expect(refusal(() => personName(""))).toMatch(/empty/);
  expect(refusal(() => personName("x".repeat(65)))).toMatch(/longer than 64/);
  expect(refusal(() => personName(" Ann"))).toMatch(/leading, trailing or double/);
  expect(refusal(() => personName("Ann  Lee"))).toMatch(/double/);
  expect(refusal(() => personName("Unknown"))).toMatch(/label of unrecognised faces/);
  for (const bad of ["a/b", "<b>", "x\ny", "a\u0000", "😀"])
    expect(refusal(() => personName(bad))).toMatch(/letters/);
});

it("face ids are positive whole numbers", () => {
  expect(faceId("42")).toBe(42);
  for (const bad of ["0", "-1", "1.5", "abc", "01", "9".repeat(16)])
    expect(refusal(() => faceId(bad))).toMatch(/Face id/);
});
