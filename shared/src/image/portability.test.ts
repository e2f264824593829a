// shared/src/image must run unchanged in workerd: no Node built-ins, no Buffer.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { useNodeWasmDecoders } from "../node/index.ts";
import { decodeImage } from "./decode.ts";
import { gradientSharp, u8 } from "./test-fixtures.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const NODE_ONLY = /\.test\.ts$|^test-fixtures\.ts$/;

describe("portability", () => {
  beforeAll(async () => {
    await useNodeWasmDecoders();
  });

  it("runtime files import no Node built-ins", () => {
    const files = readdirSync(here).filter((f) => f.endsWith(".ts") && !NODE_ONLY.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = readFileSync(path.join(here, file), "utf8");
      const imports = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
      for (const spec of imports) {
        expect(
          spec.startsWith("node:") || /^(fs|path|url|module|zlib|buffer|util)$/.test(spec),
          `${file}: ${spec}`,
        ).toBe(false);
      }
      expect(/\bBuffer\b/.test(source.replace(/\/\/.*$/gm, "")), `${file} mentions Buffer`).toBe(false);
    }
  });

  it("decodes every format with the Buffer global removed (as in workerd)", async () => {
    const inputs = [
      u8(await gradientSharp().jpeg().toBuffer()),
      u8(await gradientSharp().png().toBuffer()),
      u8(await gradientSharp().webp().toBuffer()),
      u8(await gradientSharp().gif().toBuffer()),
    ];
    const g = globalThis as { Buffer?: unknown };
    const saved = g.Buffer;
    delete g.Buffer;
    try {
      for (const bytes of inputs) {
        for (const jpegDecoder of ["mozjpeg", "jpeg-js"] as const) {
          const { image } = await decodeImage(bytes, { jpegDecoder });
          expect(image.data).toBeInstanceOf(Uint8Array);
          expect(image.data.length).toBe(48 * 32 * 3);
        }
      }
    } finally {
      g.Buffer = saved;
    }
  });
});
