// The CLIs' own entry functions on bad paths: each must fail before any work, saying in words what is
// wrong (not EISDIR, a raw ENOENT or "no longer exists"), and predict must take a folder of photos.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMarqueeError } from "@marquee/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandPhotos } from "../tasks/check-paths.ts";
import { evaluateMain } from "./evaluate-main.ts";
import { predictMain } from "./predict-main.ts";
import { trainMain } from "./train-main.ts";

let dir: string;
let data: string;
let file: string;
let empty: string;
let photos: string;
const missing = "/tmp/marquee-does-not-exist-4d1c";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "marquee-cli-errors-"));
  data = join(dir, "data");
  await mkdir(join(data, "ann"), { recursive: true });
  file = join(dir, "notes.txt");
  await writeFile(file, "not a folder");
  empty = join(dir, "empty");
  await mkdir(empty);
  photos = join(dir, "photos");
  await mkdir(join(photos, "day2"), { recursive: true });
  for (const p of ["b.JPG", "a.png", "day2/c.webp", "readme.md", ".hidden.jpg"])
    await writeFile(join(photos, p), "x");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(run: Promise<number>): Promise<string> {
  const err = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected the CLI to throw").not.toBeNull();
  expect(isMarqueeError(err), String(err)).toBe(true);
  return (err as Error).message;
}

describe("pnpm predict paths", () => {
  // A getter: `data` is set in beforeAll, after this describe runs.
  const model = {
    get defaultModelDir() {
      return data;
    },
  };
  it("names a missing photo", async () => {
    expect(await failure(predictMain([join(dir, "nope.jpg")], model))).toBe(
      `${join(dir, "nope.jpg")} does not exist; pass image files or a folder of them.`,
    );
  });

  it("explains a folder without images instead of EISDIR", async () => {
    const message = await failure(predictMain([empty], model));
    expect(message).toMatch(/is a folder with no images in it/);
    expect(message).toContain(`e.g. ${join(empty, "*.jpg")}`);
  });

  it("names a missing or file --model-dir", async () => {
    expect(await failure(predictMain(["--model-dir", missing, file], model))).toMatch(
      new RegExp(`^--model-dir ${missing} does not exist; pass an export folder`),
    );
    expect(await failure(predictMain(["--model-dir", file, file], model))).toMatch(
      /--model-dir .*notes\.txt is a file, not a folder/,
    );
  });

  it("takes a folder as every image in it, sub-folders included, by name", () => {
    expect(expandPhotos([photos, file])).toEqual([
      join(photos, "a.png"),
      join(photos, "b.JPG"),
      join(photos, "day2", "c.webp"),
      file,
    ]);
  });
});

describe("pnpm train paths", () => {
  it("names a missing --data instead of 'no longer exists'", async () => {
    expect(await failure(trainMain(["--data", missing]))).toBe(
      `--data ${missing} does not exist; pass a folder with one sub-folder of images per class.`,
    );
  });

  it("names a file given as --data or --validation-data, and a missing --strangers", async () => {
    expect(await failure(trainMain(["--data", file]))).toMatch(/^--data .* is a file, not a folder/);
    expect(await failure(trainMain(["--data", data, "--validation-data", missing]))).toMatch(
      /^--validation-data .* does not exist; pass a folder with one sub-folder of images per class \(the same class names as --data\)/,
    );
    expect(await failure(trainMain(["--data", data, "--strangers", missing]))).toMatch(
      /^--strangers .* does not exist/,
    );
  });

  it("rejects an --out that is a file, and --resume without a run to resume", async () => {
    expect(await failure(trainMain(["--data", data, "--out", file]))).toMatch(/^--out .* is a file/);
    expect(
      await failure(
        trainMain(["--model", "seed-cnn", "--data", data, "--out", join(dir, "no-run"), "--resume"]),
      ),
    ).toMatch(/^--out .*no-run does not exist, but --resume continues the run saved there/);
  });

  it("rejects --validation-split with --validation-data", async () => {
    expect(
      await failure(trainMain(["--data", data, "--validation-data", data, "--validation-split", "0.2"])),
    ).toBe("--validation-split and --validation-data both choose the validation set; give one of them.");
  });
});

describe("pnpm evaluate paths", () => {
  it("names a missing --data and a file --charts", async () => {
    expect(await failure(evaluateMain(["--data", missing], { defaultModelDir: data }))).toMatch(
      /^--data .* does not exist/,
    );
    expect(
      await failure(evaluateMain(["--data", data, "--charts", file], { defaultModelDir: data })),
    ).toMatch(/^--charts .* is a file/);
  });
});
