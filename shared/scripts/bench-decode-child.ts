// One measurement for bench-decode.ts, in its own process so peak RSS belongs to it alone:
//   node --import tsx shared/scripts/bench-decode-child.ts <method> <file> <runs>
// Prints {"medianMs": …, "peakBytes": …, "width": …, "height": …} (peak = max RSS − RSS before the first run).
import { readFileSync } from "node:fs";
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
const baseline = process.memoryUsage().rss;
const times: number[] = [];
let size = { width: 0, height: 0 };
for (let i = 0; i < Number(runsText); i++) {
  const start = performance.now();
  size = await once(bytes);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const peakBytes = process.resourceUsage().maxRSS * 1024 - baseline;
console.log(JSON.stringify({ medianMs: times[Math.floor(times.length / 2)], peakBytes, ...size }));
