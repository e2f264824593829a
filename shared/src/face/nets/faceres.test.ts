import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMarqueeError } from "../../errors.ts";
import { nodeFaceWeightSource } from "../../node/face-weights.ts";
import { nodeHumanWeightSource } from "../../node/human-weights.ts";
import { embedFaceres } from "../faceres-embed.ts";
import { detectFaces } from "../find-faces.ts";
import { type LoadedNet, loadFaceres } from "../human-models.ts";
import { type FaceModels, loadFaceModels } from "../models.ts";
import { readRgb, samplePhotoPath, useBackend } from "../test-support.ts";
import { FACERES_DESCRIPTOR_SIZE, type FaceresParams, faceresForward, faceresParams } from "./faceres.ts";

let net: LoadedNet<FaceresParams>;
let tiny: FaceModels;

beforeAll(async () => {
  await useBackend("wasm");
  net = await loadFaceres(nodeHumanWeightSource());
  tiny = await loadFaceModels(nodeFaceWeightSource(), { detector: "tiny" });
}, 60_000);

afterAll(() => {
  net?.dispose();
  tiny?.dispose();
});

const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
};

describe("faceres (ported)", () => {
  it("maps a batch of 224×224 crops to 1024-d non-negative descriptors, without leaking tensors", () => {
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 224, 224, 3], 0, 255, "float32", 3) as tf.Tensor4D;
    const out = faceresForward(x, net.params);
    expect(out.shape).toEqual([2, FACERES_DESCRIPTOR_SIZE]);
    const v = out.dataSync();
    // Mean of ReLU6 activations: within [0, 6].
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(6);
    x.dispose();
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keeps ~3.2 M weights (12.8 MB as float32) once the age/gender heads are dropped", () => {
    expect(net.weightBytes).toBeGreaterThan(12e6);
    expect(net.weightBytes).toBeLessThan(14e6);
  });

  it("gives one face of sample6.jpg a descriptor nearer to itself shifted than to another face", async () => {
    const image = await readRgb(samplePhotoPath(6));
    const faces = await detectFaces(tiny, image, { inputSize: 416 });
    expect(faces.length).toBeGreaterThanOrEqual(2);
    const [a, b] = faces as [(typeof faces)[0], (typeof faces)[0]];
    const shifted = a.landmarks!.map((p) => ({ x: p.x + 3, y: p.y - 2 }));
    const [da, dShift, db] = await embedFaceres(net.params, image, [a.landmarks!, shifted, b.landmarks!]);
    expect(cosine(da!, dShift!)).toBeGreaterThan(0.95);
    expect(cosine(da!, db!)).toBeLessThan(cosine(da!, dShift!) - 0.05);
  }, 30_000);

  it("names a missing weight clearly", () => {
    try {
      faceresParams({});
      expect.unreachable();
    } catch (err) {
      expect(isMarqueeError(err) && err.code).toBe("model_unavailable");
    }
  });
});
