// One measurement for bench-decode.ts, in its own process so peak RSS belongs to it alone:
//   node --import tsx shared/scripts/bench-decode-child.ts <method> <file> <runs>
// Prints {"medianMs": …, "peakBytes": …, "width": …, "height": …}: peak = the process' peak resident
// set during the runs (Linux VmHWM, reset just before them) minus its resident set before them.
import { readFileSync, writeFileSync } from "node:fs";
import sharp from "sharp";
import { decodeImage } from "../src/image/decode.ts";
import { useNodeWasmDecoders } from "../src/node/index.ts";

const [method, file, runsText] = process.argv.slice(2);
const WORKING_PIXELS = 2_000_000;

async function once(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  switch (method) {
    case "working": {
      const { image } = await decodeImage(bytes, { maxPixels: WORKING_PIXELS });
      return image;
    }
    case "full": {
      const { image } = await decodeImage(bytes);
      return image;
    }
    case "sharp": {
      // libvips shrinks JPEG on load (libjpeg's DCT scaling) when asked for a much smaller size.
      const meta = await sharp(bytes).metadata();
      const r = Math.max(1, Math.ceil(Math.sqrt((meta.width! * meta.height!) / WORKING_PIXELS)));
      const { info } = await sharp(bytes)
        .resize(Math.ceil(meta.width! / r), Math.ceil(meta.height! / r), { fit: "fill" })
        .raw()
        .toBuffer({ resolveWithObject: true });
      return info;
    }
    default:
      throw new Error(`unknown method ${method}`);
  }
}

await useNodeWasmDecoders();
sharp.cache(false);
sharp.concurrency(1);
const bytes = new Uint8Array(readFileSync(file!));
/** VmRSS / VmHWM of this process in bytes, from /proc (Linux). */
function status(field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}
(globalThis as { gc?: () => void }).gc?.();
writeFileSync("/proc/self/clear_refs", "5"); // reset VmHWM to the current RSS
const baseline = status("VmRSS");
const times: number[] = [];
let size = { width: 0, height: 0 };
for (let i = 0; i < Number(runsText); i++) {
  const start = performance.now();
  const { width, height } = await once(bytes);
  size = { width, height };
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const peakBytes = status("VmHWM") - baseline;
console.log(JSON.stringify({ medianMs: times[Math.floor(times.length / 2)], peakBytes, ...size }));
