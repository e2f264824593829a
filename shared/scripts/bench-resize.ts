/// <reference types="node" />
// Micro-benchmark: our plain-JS bilinear resize vs tfjs' cpu-backend resizeBilinear, side by side.
// `pnpm tsx shared/scripts/bench-resize.ts [--runs N]` (or `pnpm bench resize`). Prints median ms.
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../src/image/types.ts";
import { preprocessImage } from "../src/preprocess/preprocess.ts";
import { resizeBilinear } from "../src/preprocess/resize.ts";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 15;

function noiseImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

function medianMs(fn: () => void, n: number): number {
  fn(); // warm-up: JIT and first allocation
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

tf.env().set("PROD", true); // silences the "install tfjs-node" banner; no effect on the kernels
await tf.setBackend("cpu");
const cases: [number, number][] = [
  [474, 490],
  [4000, 3000],
];
const rows: string[][] = [["source → 224×224", "ours", "ours+normalise", "tfjs op", "tfjs bytes→tensor+op"]];
for (const [w, h] of cases) {
  const image = noiseImage(w, h);
  const out = new Float32Array(224 * 224 * 3);
  const n = w * h > 1e6 ? Math.max(3, Math.ceil(runs / 3)) : runs;
  const spec = {
    input: { width: 224, height: 224, channels: 3 as const },
    preprocessing: {
      resize: "bilinear" as const,
      fit: "stretch" as const,
      normalization: { kind: "scale" as const, scale: 1 / 255, offset: 0 },
    },
  };
  const ours = medianMs(() => resizeBilinear(image, 224, 224, out), n);
  const full = medianMs(() => preprocessImage(image, spec, out), n);
  const x = tf.tensor3d(image.data, [h, w, 3], "int32");
  const tfOp = medianMs(
    () => tf.tidy(() => tf.image.resizeBilinear(x, [224, 224], false, true).dataSync()),
    n,
  );
  x.dispose();
  const tfAll = medianMs(
    () =>
      tf.tidy(() =>
        tf.image
          .resizeBilinear(tf.tensor3d(image.data, [h, w, 3], "int32"), [224, 224], false, true)
          .dataSync(),
      ),
    n,
  );
  rows.push(
    [`${w}×${h} (${n} runs)`, ours, full, tfOp, tfAll].map((v) =>
      typeof v === "number" ? `${v.toFixed(2)} ms` : v,
    ),
  );
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join("  "));
console.log(
  `\nNode ${process.version}; median of N runs after one warm-up; tfjs ${tf.version_core} cpu backend.`,
);
