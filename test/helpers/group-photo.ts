// The 12 MP group photos of the edge bench (`pnpm bench edge`) and the face-memory test, in their
// own module so probes can time the same picture:
//   pnpm tsx test/helpers/group-photo.ts OUT.jpg
import { readFile, writeFile } from "node:fs/promises";
import { decodeImage } from "@marquee/shared";
import { findFaces, loadFaceModels, servingFacePolicy } from "@marquee/shared/face";
import { nodeFaceWeightSource } from "@marquee/shared/node";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { samplePhotoPath } from "./images.ts";

/** A named photo the bench sends. */
export interface BenchPhoto {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * A 12 MP (4000×3000) group photo of 10 faces: faces of face-api's sample photos 1–4 (found by
 * shared's findFaces in Node), cut with 1.9× their box of context and pasted at 150–400 px face
 * width on a grey-blue gradient.
 */
export async function groupPhoto(): Promise<BenchPhoto> {
  await tf.setBackend("wasm");
  const nets = await loadFaceModels(nodeFaceWeightSource());
  const cuts: Buffer[] = [];
  try {
    for (const n of [1, 2, 3, 4]) {
      const bytes = new Uint8Array(await readFile(samplePhotoPath(n)));
      const { image } = await decodeImage(bytes);
      const { faces } = await findFaces(nets, image, servingFacePolicy({ landmarks: false }));
      for (const f of faces) {
        if (cuts.length >= 10) break;
        const width = 150 + Math.round((250 * cuts.length) / 9);
        const side = Math.max(f.box.width, f.box.height) * 1.9;
        const left = Math.max(0, Math.round(f.box.left + f.box.width / 2 - side / 2));
        const top = Math.max(0, Math.round(f.box.top + f.box.height / 2 - side / 2));
        const w = Math.min(Math.round(side), image.width - left);
        const h = Math.min(Math.round(side), image.height - top);
        const scale = width / f.box.width;
        cuts.push(
          await sharp(bytes)
            .extract({ left, top, width: w, height: h })
            .resize(Math.round(w * scale), Math.round(h * scale))
            .toBuffer(),
        );
      }
    }
  } finally {
    nets.dispose();
  }
  const W = 4000;
  const H = 3000;
  const background = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      background[i] = 70 + Math.round((90 * x) / W);
      background[i + 1] = 100;
      background[i + 2] = 90 + Math.round((90 * y) / H);
    }
  const composite = cuts.map((input, k) => ({
    input,
    left: (k % 5) * 800 + 10,
    top: Math.floor(k / 5) * 1500 + 200,
  }));
  const bytes = new Uint8Array(
    await sharp(background, { raw: { width: W, height: H, channels: 3 } })
      .composite(composite)
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  return { name: `12 MP group photo 4000×3000 (${cuts.length} faces)`, bytes };
}

/**
 * The same group photo as a phone writes it: sensor-like noise (±12 levels per channel) and JPEG
 * quality 92, ~3.5 MB instead of ~0.6 MB. Entropy decoding grows with the bytes, so this is the
 * decode a real 12 MP upload costs.
 */
export async function noisyGroupPhoto(): Promise<BenchPhoto> {
  const { bytes } = await groupPhoto();
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  let seed = 1;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = Math.max(0, Math.min(255, (data[i] as number) + ((seed >>> 24) % 25) - 12));
  }
  const noisy = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
  return {
    name: `12 MP group photo, phone-like noise, q92 (${(noisy.length / 1e6).toFixed(1)} MB)`,
    bytes: new Uint8Array(noisy),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  if (!out) throw new Error("usage: pnpm tsx test/helpers/group-photo.ts OUT.jpg");
  const photo = await groupPhoto();
  await writeFile(out, photo.bytes);
  console.log(`${photo.name} → ${out}`);
}
