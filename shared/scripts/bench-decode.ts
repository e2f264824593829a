// Decode-time benchmark: every image under --data, with each decoder Marquee ships (MozJPEG wasm, jpeg-js)
// and sharp (libvips, native) for reference, interleaved per image so machine noise hits all alike.
//   pnpm tsx shared/scripts/bench-decode.ts --data ../shared/datasets/celeb17 [--limit 200]
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { decodeImage } from "../src/image/decode.ts";
import { useNodeWasmDecoders } from "../src/node/index.ts";

const IMAGE_EXTENSIONS = new Set([".jpg", ".jpeg", ".png", ".webp", ".gif"]);

interface Decoder {
  name: string;
  decode(bytes: Uint8Array): Promise<unknown>;
}

const DECODERS: Decoder[] = [
  { name: "mozjpeg-wasm", decode: (bytes) => decodeImage(bytes, { jpegDecoder: "mozjpeg" }) },
  { name: "jpeg-js", decode: (bytes) => decodeImage(bytes, { jpegDecoder: "jpeg-js" }) },
  {
    name: "sharp (ref)",
    decode: (bytes) =>
      sharp(bytes).rotate().flatten({ background: "#ffffff" }).removeAlpha().raw().toBuffer(),
  },
];

async function listImages(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: "string" }, limit: { type: "string" } },
  });
  if (!values.data) {
    console.error("usage: pnpm tsx shared/scripts/bench-decode.ts --data DIR [--limit N]");
    process.exit(2);
  }
  let files = await listImages(path.resolve(values.data));
  if (values.limit) files = files.slice(0, Number(values.limit));
  if (files.length === 0) throw new Error(`no images under ${values.data}`);

  await useNodeWasmDecoders();
  sharp.cache(false);
  sharp.concurrency(1); // one thread, like the wasm and JS decoders

  const times = new Map<string, number[]>(DECODERS.map((d) => [d.name, []]));
  const failures = new Map<string, string[]>(DECODERS.map((d) => [d.name, []]));
  let megapixels = 0;
  let bytesTotal = 0;
  const formats = new Map<string, number>();

  // Warm-up: start the wasm instances and JIT the JS paths before timing.
  const first = new Uint8Array(await readFile(files[0]!));
  for (const d of DECODERS) await d.decode(first).catch(() => undefined);

  for (const file of files) {
    const bytes = new Uint8Array(await readFile(file));
    bytesTotal += bytes.length;
    const meta = await sharp(bytes)
      .metadata()
      .catch(() => undefined);
    if (meta?.width && meta.height) megapixels += (meta.width * meta.height) / 1e6;
    formats.set(meta?.format ?? "unknown", (formats.get(meta?.format ?? "unknown") ?? 0) + 1);
    for (const d of DECODERS) {
      const start = performance.now();
      try {
        await d.decode(bytes);
        times.get(d.name)!.push(performance.now() - start);
      } catch (err) {
        failures.get(d.name)!.push(`${path.relative(values.data, file)}: ${(err as Error).message}`);
      }
    }
  }

  const formatList = [...formats].map(([f, n]) => `${n} ${f}`).join(", ");
  console.log(
    `${files.length} images (${formatList}) under ${values.data}; mean ${(megapixels / files.length).toFixed(2)} MP, ` +
      `${Math.round(bytesTotal / files.length / 1024)} KB`,
  );
  console.log(
    `Node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, sharp threads 1`,
  );
  console.log("");
  console.log(["decoder".padEnd(14), "median ms", "p90 ms", "mean ms", "ok", "failed"].join("\t"));
  for (const d of DECODERS) {
    const t = [...times.get(d.name)!].sort((a, b) => a - b);
    const mean = t.reduce((s, x) => s + x, 0) / t.length;
    console.log(
      [
        d.name.padEnd(14),
        percentile(t, 0.5).toFixed(2),
        percentile(t, 0.9).toFixed(2),
        mean.toFixed(2),
        t.length,
        failures.get(d.name)!.length,
      ].join("\t"),
    );
  }
  for (const d of DECODERS) {
    const f = failures.get(d.name)!;
    if (f.length === 0) continue;
    console.log(`\n${d.name} failures:`);
    for (const line of f.slice(0, 10)) console.log(`  ${line}`);
    if (f.length > 10) console.log(`  … and ${f.length - 10} more`);
  }
}

await main();
