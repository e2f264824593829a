/**
 * Reference oracle: runs face-api's OWN pipeline (its dist bundle, tfjs cpu backend) on the sample
 * photos and writes detections + descriptors as JSON, to compare with our port (face-probe.ts).
 * Needs @tensorflow/tfjs, which lives in trainer/node_modules, so that folder is added to the
 * module search path. Slow (pure-JS cpu backend): a few minutes.
 *
 *   pnpm tsx shared/scripts/face-probe-oracle.ts > /tmp/face-oracle.json
 */
import { createRequire, Module } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { faceApiDir, faceApiModelDir } from "../src/node/face-weights.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
process.env.NODE_PATH = path.resolve(here, "../../trainer/node_modules");
(Module as unknown as { _initPaths(): void })._initPaths();
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: face-api's bundle is untyped here
const faceapi: any = require(path.join(faceApiDir(), "dist/face-api.node-wasm.js"));

async function main() {
  await faceapi.tf.setBackend("cpu");
  await faceapi.tf.ready();
  const modelDir = faceApiModelDir();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const files = process.argv.slice(2).length
    ? process.argv.slice(2)
    : [1, 2, 3, 4, 5, 6].map((i) => path.join(faceApiDir(), `demo/sample${i}.jpg`));
  const out = [];
  for (const file of files) {
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const tensor = faceapi.tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], "int32");
    for (const detector of ["tiny", "ssd"]) {
      const options =
        detector === "tiny"
          ? new faceapi.TinyFaceDetectorOptions({ inputSize: 416 })
          : new faceapi.SsdMobilenetv1Options();
      const t0 = performance.now();
      const results = await faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceDescriptors();
      const ms = performance.now() - t0;
      out.push({
        file: path.basename(file),
        width: info.width,
        height: info.height,
        detector,
        ms: Math.round(ms),
        // biome-ignore lint/suspicious/noExplicitAny: untyped bundle results
        faces: results.map((r: any) => ({
          box: {
            left: r.detection.box.x,
            top: r.detection.box.y,
            width: r.detection.box.width,
            height: r.detection.box.height,
          },
          score: r.detection.score,
          descriptor: Array.from(r.descriptor as Float32Array),
        })),
      });
      process.stderr.write(
        `${path.basename(file)} ${detector}: ${results.length} faces, ${Math.round(ms)} ms\n`,
      );
    }
    tensor.dispose();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
