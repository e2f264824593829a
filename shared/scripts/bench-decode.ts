// Decode benchmark, two tables in one run:
// 1. Working size (always): generated 0.3, 2, 12 and 48 MP JPEGs and a 12 MP PNG decoded to the 2 MP
//    working size (Marquee's DCT-scaling / row-streaming decoders), beside a full-resolution decode
//    (MozJPEG wasm for JPEG, our PNG decoder at full size) and sharp's shrink-on-load as the anchor:
//    median ms and peak RSS growth, each measured in its own process (shared/scripts/bench-decode-child.ts).
// 2. With --data: every image under DIR with each full-size decoder (MozJPEG wasm, jpeg-js, ours)
//    and sharp for reference, interleaved per image so machine noise hits all alike.
//   pnpm bench decode [-- --data ../shared/datasets/celeb17 --limit 200]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { decodeImage } from "../src/image/decode.ts";
import { faceApiSamplePaths } from "../src/image/test-fixtures.ts";
import { useNodeWasmDecoders } from "../src/node/index.ts";

const IMAGE_EXTENSIONS = new Set([".jpg", ".jpeg", ".png", ".webp", ".gif"]);

interface Decoder {
  name: string;
  decode(bytes: Uint8Array): Promise<unknown>;
}

const DECODERS: Decoder[] = [
  { name: "mozjpeg-wasm", decode: (bytes) => decodeImage(bytes, { jpegDecoder: "mozjpeg" }) },
  { name: "jpeg-js", decode: (bytes) => decodeImage(bytes, { jpegDecoder: "jpeg-js" }) },
  { name: "ours (scaled)", decode: (bytes) => decodeImage(bytes, { jpegDecoder: "scaled" }) },
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

const MB = 1024 * 1024;

/** Runs one measurement in a child process (so its peak RSS is its own). */
function measure(method: string, file: string, runs: number) {
  const out = execFileSync(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      path.join(import.meta.dirname, "bench-decode-child.ts"),
      method,
      file,
      String(runs),
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as {
    medianMs: number;
    peakBytes: number;
    width: number;
    height: number;
  };
}

async function workingSizeTable(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "marquee-bench-decode-"));
  try {
    const photo = sharp(faceApiSamplePaths()[0]!);
    const cases: [string, string, number][] = [];
    for (const [name, w, h] of [
      ["0.3 MP JPEG", 640, 480],
      ["2 MP JPEG", 1632, 1224],
      ["12 MP JPEG", 4000, 3000],
      ["48 MP JPEG", 8000, 6000],
    ] as const) {
      const file = path.join(dir, `${w}x${h}.jpg`);
      writeFileSync(file, await photo.clone().resize(w, h, { fit: "fill" }).jpeg({ quality: 90 }).toBuffer());
      cases.push([name, file, w * h >= 40e6 ? 3 : 5]);
    }
    const png = path.join(dir, "4000x3000.png");
    writeFileSync(png, await photo.clone().resize(4000, 3000, { fit: "fill" }).blur(2).png().toBuffer());
    cases.push(["12 MP PNG", png, 3]);

    console.log(
      "Decode to the 2 MP working size (median of 3–5 runs, one process per cell; peak = max RSS growth)",
    );
    console.log(
      [
        "image".padEnd(12),
        "file",
        "ours → working",
        "ms",
        "peak MB",
        "full-res",
        "ms",
        "peak MB",
        "sharp shrink-on-load",
        "ms",
        "peak MB",
        "ours/sharp",
      ].join("\t"),
    );
    for (const [name, file, runs] of cases) {
      const size = (await readFile(file)).length;
      const ours = measure("working", file, runs);
      const full = measure("full", file, runs);
      const ref = measure("sharp", file, runs);
      console.log(
        [
          name.padEnd(12),
          `${(size / MB).toFixed(1)} MB`,
          `${ours.width}×${ours.height}`,
          ours.medianMs.toFixed(0),
          (ours.peakBytes / MB).toFixed(1),
          `${full.width}×${full.height}`,
          full.medianMs.toFixed(0),
          (full.peakBytes / MB).toFixed(1),
          `${ref.width}×${ref.height}`,
          ref.medianMs.toFixed(0),
          (ref.peakBytes / MB).toFixed(1),
          `${(ours.medianMs / ref.medianMs).toFixed(1)}×`,
        ].join("\t"),
      );
    }
    console.log(
      "full-res: MozJPEG wasm for JPEG (what the worker used before), our PNG decoder at full size.\n",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: "string" }, limit: { type: "string" } },
  });
  console.log(
    `Node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, sharp threads 1\n`,
  );
  await workingSizeTable();
  if (!values.data) {
    console.log("(pass --data DIR for the per-decoder table over a folder of photos)");
    return;
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
