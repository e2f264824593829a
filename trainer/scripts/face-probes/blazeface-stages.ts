/**
 * The scaled pass' BlazeFace run three ways on one input map (default 864×672, the scaled side of
 * any photo at the default minimum face), medians over runs, side by side: the old 256×256 blocks
 * overlapping by 112 (24 blocks), one whole pass, and the tiled segments (`blazeFaceTiled`); and
 * the largest difference between the tiled and the whole pass' raw outputs.
 *
 *   pnpm tsx trainer/scripts/face-probes/blazeface-stages.ts [--width 864 --height 672 --runs 7]
 */
import { blazeFaceForward, blazeFaceTiled, loadBlazeFace } from "@marquee/shared/face";
import { nodeHumanWeightSource } from "@marquee/shared/node";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../../src/backend/wasm-node.ts";
import { median, opt } from "./probe-common.ts";

await initWasmBackend();
const p = (await loadBlazeFace(nodeHumanWeightSource())).params;
const W = Number(opt("--width", "864"));
const H = Number(opt("--height", "672"));
const runs = Number(opt("--runs", "7"));
const data = new Float32Array(W * H * 3);
// A smooth picture with texture (random pixels alone make every path trivially "no face").
for (let y = 0; y < H; y++)
  for (let x = 0; x < W; x++)
    for (let c = 0; c < 3; c++)
      data[(y * W + x) * 3 + c] = 128 + 100 * Math.sin(x / (7 + c) + y / 11) * Math.cos(y / (5 + c));

function starts(total: number, block: number, overlap: number): number[] {
  if (total <= block) return [0];
  const n = Math.ceil((total - block) / (block - overlap)) + 1;
  const step = (total - block) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.min(total - block, Math.round((i * step) / 32) * 32));
}
function blocks(): number {
  let n = 0;
  for (const y0 of starts(H, 256, 112))
    for (const x0 of starts(W, 256, 112)) {
      const px = new Float32Array(256 * 256 * 3);
      for (let y = 0; y < 256; y++)
        px.set(data.subarray(((y0 + y) * W + x0) * 3, ((y0 + y) * W + x0 + 256) * 3), y * 768);
      const x = tf.tensor4d(px, [1, 256, 256, 3]);
      const out = blazeFaceForward(x, p);
      out.dataSync();
      x.dispose();
      out.dispose();
      n++;
    }
  return n;
}
function whole(): Float32Array {
  const x = tf.tensor4d(data, [1, H, W, 3]);
  const out = blazeFaceForward(x, p);
  const raw = out.dataSync() as Float32Array;
  x.dispose();
  out.dispose();
  return raw;
}
const tiled = () => blazeFaceTiled(p, { data, height: H, width: W, channels: 3 });

const t: Record<string, number[]> = { blocks: [], tiled: [], whole: [] };
let nBlocks = 0;
for (let r = 0; r < runs; r++) {
  let t0 = performance.now();
  nBlocks = blocks();
  t.blocks!.push(performance.now() - t0);
  t0 = performance.now();
  tiled();
  t.tiled!.push(performance.now() - t0);
  t0 = performance.now();
  whole();
  t.whole!.push(performance.now() - t0);
}
const a = whole();
const b = tiled();
let maxDiff = 0;
let maxAbs = 0;
for (let i = 0; i < a.length; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
  maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
}
console.log(
  `${W}×${H}, medians over ${runs}: ${nBlocks} blocks ${median(t.blocks!).toFixed(1)} ms, tiled ${median(t.tiled!).toFixed(1)} ms, whole ${median(t.whole!).toFixed(1)} ms; ` +
    `tiled vs whole: ${a.length / 17} anchors, max |diff| ${maxDiff.toExponential(2)} (max |value| ${maxAbs.toFixed(1)})`,
);

// Per segment: tiled vs one whole pass of that segment.
{
  const { BLAZEFACE_SEGMENTS } = await import("@marquee/shared/face");
  const { runSegmentTiled } = await import("@marquee/shared/face");
  let map: import("@marquee/shared/face").FeatureMap = { data, height: H, width: W, channels: 3 };

  for (const [i, seg] of BLAZEFACE_SEGMENTS.entries()) {
    const tt: number[] = [];
    const tw: number[] = [];
    let next = map;
    for (let r = 0; r < runs; r++) {
      let t0 = performance.now();
      next = runSegmentTiled(p, seg, map);
      tt.push(performance.now() - t0);
      t0 = performance.now();
      const x = tf.tensor4d(map.data, [1, map.height, map.width, map.channels]);
      const y = seg.run(x, p);
      y.dataSync();
      x.dispose();
      y.dispose();
      tw.push(performance.now() - t0);
    }
    console.log(
      `segment ${i} (${map.width}×${map.height}×${map.channels}): tiled ${median(tt).toFixed(1)} ms, whole ${median(tw).toFixed(1)} ms`,
    );
    map = next;
  }
}
