import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faceCodeHash } from "./face-pipeline.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("faceCodeHash (the embedding cache's code key)", () => {
  it("changes with shared's face or image code, not with its tests or other folders", async () => {
    const src = await mkdtemp(join(tmpdir(), "marquee-code-hash-"));
    dirs.push(src);
    for (const d of ["face/nets", "image", "api"]) await mkdir(join(src, d), { recursive: true });
    await writeFile(join(src, "face/find-faces.ts"), "export const a = 1;\n");
    await writeFile(join(src, "face/nets/blazeface.ts"), "export const b = 1;\n");
    await writeFile(join(src, "image/decode-jpeg.ts"), "export const c = 1;\n");
    await writeFile(join(src, "api/types.ts"), "export type T = 1;\n");
    const base = faceCodeHash(src);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    // Decoders make the pixels the descriptors are taken from.
    await writeFile(join(src, "image/decode-jpeg.ts"), "export const c = 2;\n");
    const afterDecoder = faceCodeHash(src);
    expect(afterDecoder).not.toBe(base);
    await writeFile(join(src, "face/nets/blazeface.ts"), "export const b = 2;\n");
    const afterNet = faceCodeHash(src);
    expect(afterNet).not.toBe(afterDecoder);
    // Tests and unrelated folders do not move descriptors.
    await writeFile(join(src, "image/decode.test.ts"), "it('x', () => {});\n");
    await writeFile(join(src, "api/types.ts"), "export type T = 2;\n");
    expect(faceCodeHash(src)).toBe(afterNet);
  });
});
