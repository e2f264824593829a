import { expect, it } from "vitest";
import type { WorkerEnv } from "../env.ts";
import { DEFAULT_GALLERY_LIMITS, DEFAULT_GALLERY_THRESHOLD, readGalleryConfig } from "./gallery-config.ts";
import { parseThreshold } from "./routes.ts";

const env = (vars: Partial<WorkerEnv>) =>
  ({ ASSETS: { fetch: async () => new Response() }, ...vars }) as WorkerEnv;

it("uses the defaults and reads each var, refusing nonsense", () => {
  expect(readGalleryConfig(env({}))).toEqual({
    ...DEFAULT_GALLERY_LIMITS,
    threshold: DEFAULT_GALLERY_THRESHOLD,
  });
  expect(readGalleryConfig(env({ GALLERY_MAX_PEOPLE: "3", GALLERY_THRESHOLD: "0.55" }))).toMatchObject({
    maxPeople: 3,
    threshold: 0.55,
  });
  expect(() => readGalleryConfig(env({ GALLERY_MAX_FACES_PER_PERSON: "2.5" }))).toThrow(/whole number/);
  expect(() => readGalleryConfig(env({ GALLERY_MAX_IMPORT_BYTES: "-1" }))).toThrow(
    /GALLERY_MAX_IMPORT_BYTES/,
  );
  expect(() => readGalleryConfig(env({ GALLERY_THRESHOLD: "3" }))).toThrow(/\[0.1, 1.2\]/);
});

it("?threshold= takes a number within the bounds", () => {
  expect(parseThreshold(undefined, 0.4)).toBe(0.4);
  expect(parseThreshold("0.35", 0.4)).toBe(0.35);
  expect(parseThreshold("1.2", 0.4)).toBe(1.2);
  for (const bad of ["0.09", "1.21", "", "x", "1e-1", "-0.5", "NaN"]) {
    expect(() => parseThreshold(bad, 0.4), bad).toThrow(/threshold must be a number from 0.1 to 1.2/);
  }
});
