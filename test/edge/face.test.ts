// A face model (pipeline "face") served by the wrangler-built worker in plain Miniflare: faces and
// boxes in face-api's sample photos, the gallery people recognised, strangers "unknown", a photo
// without a face, parity with the same pipeline in Node, and no growth across requests.

import type { HealthResponse, PredictResponse } from "@marquee/shared";
import { decodeImage } from "@marquee/shared";
import type { FaceBox } from "@marquee/shared/face";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaceGallery } from "../fixtures/make-face-model.ts";
import { overlap } from "../fixtures/make-face-model.ts";
import { ensureFaceWorkerBuild, type NodeFaceReference, nodeFaceReference } from "../helpers/face-worker.ts";
import { samplePhoto, samplePhotoPath } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

let worker: RunningWorker;
let gallery: FaceGallery;
let node: NodeFaceReference;
const answers = new Map<number, PredictResponse>();

/**
 * face-api's sample photo n scaled to 1536 px wide (≤ 2 MP, the face models' default cap), as the
 * page shrinks a photo before uploading it.
 */
async function facePhoto(n: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(samplePhotoPath(n)).resize({ width: 1536 }).jpeg({ quality: 92 }).toBuffer(),
  );
}

/** A gallery person's face box as fractions of their photo. */
function fractionBox(person: FaceGallery["people"][number]): FaceBox {
  const { box, imageWidth: w, imageHeight: h } = person;
  return { left: box.left / w, top: box.top / h, width: box.width / w, height: box.height / h };
}

beforeAll(async () => {
  const { build, gallery: g, modelDir } = await ensureFaceWorkerBuild();
  gallery = g;
  worker = await startWorker(build);
  node = await nodeFaceReference(modelDir);
  for (let n = 1; n <= 6; n++) answers.set(n, await predict(await facePhoto(n)));
});
afterAll(async () => {
  node?.dispose();
  await worker?.dispose();
});

async function predict(body: Uint8Array, query = ""): Promise<PredictResponse> {
  const response = await worker.fetch(`/predict${query}`, { method: "POST", body });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as PredictResponse;
}

/** A face box of the answer in pixels of a `width`×`height` image. */
function pixels(box: FaceBox, width: number, height: number): FaceBox {
  return {
    left: box.left * width,
    top: box.top * height,
    width: box.width * width,
    height: box.height * height,
  };
}

/** A JPEG cut around a gallery person's face (`scale` × the face box), like a portrait photo. */
async function portraitOf(person: FaceGallery["people"][number], scale = 2.4): Promise<Uint8Array> {
  const side = Math.max(person.box.width, person.box.height) * scale;
  const left = Math.max(0, Math.round(person.box.left + person.box.width / 2 - side / 2));
  const top = Math.max(0, Math.round(person.box.top + person.box.height / 2 - side * 0.45));
  const width = Math.min(person.imageWidth - left, Math.round(side));
  const height = Math.min(person.imageHeight - top, Math.round(side * 1.1));
  return new Uint8Array(
    await sharp(samplePhotoPath(person.photo))
      .extract({ left, top, width, height })
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
}

describe("faces in face-api's sample photos", () => {
  it("finds every face with plausible boxes, largest first; top level = the best accepted face", () => {
    // Faces visible in each photo, counted by eye (one strict profile in sample2).
    const visible: Record<number, number> = { 1: 3, 2: 3, 3: 3, 4: 4, 5: 5, 6: 4 };
    let total = 0;
    for (const [n, answer] of answers) {
      expect(answer.model.pipeline).toBe("face");
      const faces = answer.faces ?? [];
      expect(faces.length, `sample${n}`).toBe(visible[n]);
      expect(answer.truncated, `sample${n}`).toBe(false);
      expect(answer.openSet?.rule).toBe("probability");
      total += faces.length;
      const areas = faces.map((f) => f.box.width * f.box.height);
      expect(areas).toEqual([...areas].sort((a, b) => b - a));
      for (const f of faces) {
        expect(f.box.left).toBeGreaterThanOrEqual(0);
        expect(f.box.top).toBeGreaterThanOrEqual(0);
        expect(f.box.left + f.box.width).toBeLessThanOrEqual(1 + 1e-6);
        expect(f.box.top + f.box.height).toBeLessThanOrEqual(1 + 1e-6);
        // A face in these 1536 px group photos is roughly 80–360 px wide and about as tall as wide.
        const px = pixels(f.box, answer.image.width, answer.image.height);
        expect(px.width).toBeGreaterThan(50);
        expect(px.width).toBeLessThan(500);
        expect(px.height / px.width).toBeGreaterThan(0.6);
        expect(px.height / px.width).toBeLessThan(2);
        expect(f.detectionScore).toBeGreaterThanOrEqual(0.6);
        expect(f.predictions).toHaveLength(3);
        expect(f.predictions[0]?.score).toBeCloseTo(f.score, 12);
        expect(f.predictions.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 6);
      }
      // Top level: an accepted face's predictions, or nothing when every face is unknown.
      const accepted = faces.filter((f) => f.label !== "unknown");
      if (accepted.length === 0) expect(answer.predictions, `sample${n}`).toEqual([]);
      else expect(accepted.map((f) => f.predictions)).toContainEqual(answer.predictions);
      expect(answer.message).toBeUndefined();
    }
    expect(total).toBe(22);
    // Photos holding only strangers answer no top-level prediction.
    expect([...answers.values()].some((a) => a.predictions.length === 0)).toBe(true);
  });

  it("caps the faces with max_faces (largest first) and says the answer was truncated", async () => {
    const body = await facePhoto(5);
    const all = answers.get(5)!;
    const two = await predict(body, "?max_faces=2");
    expect(two.faces).toHaveLength(2);
    expect(two.truncated).toBe(true);
    expect(two.faces?.map((f) => f.box)).toEqual(all.faces?.slice(0, 2).map((f) => f.box));
    const five = await predict(body, "?max_faces=5");
    expect(five.truncated).toBe(false);
    for (const bad of ["0", "101", "x"]) {
      const response = await worker.fetch(`/predict?max_faces=${bad}`, { method: "POST", body });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/max_faces must be a whole number from 1 to 100/);
    }
  });

  it("takes a threshold within the rule's bounds and echoes it; min_face drops small faces", async () => {
    const body = await facePhoto(1);
    // probability rule: 0 accepts every face (top level names someone), 1 rejects them all.
    const open = await predict(body, "?threshold=0");
    expect(open.openSet).toEqual({ rule: "probability", threshold: 0 });
    expect(open.faces?.every((f) => f.label !== "unknown")).toBe(true);
    expect(open.predictions.length).toBeGreaterThan(0);
    const closed = await predict(body, "?threshold=1");
    // Every face below probability 1 is unknown (a saturated softmax can reach exactly 1).
    expect(closed.faces?.every((f) => f.label === "unknown" || f.score >= 1)).toBe(true);
    expect(closed.faces?.filter((f) => f.label === "unknown").length).toBeGreaterThanOrEqual(2);
    if (closed.faces?.every((f) => f.label === "unknown")) expect(closed.predictions).toEqual([]);
    const response = await worker.fetch("/predict?threshold=1.5", { method: "POST", body });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/threshold must be a number from 0 to 1/);
    const widest = Math.max(...(answers.get(1)?.faces ?? []).map((f) => f.box.width * 1536));
    const big = await predict(body, `?min_face=${Math.floor(widest) - 2}`);
    expect(big.faces).toHaveLength(1);
  });

  it("labels the gallery people and calls everyone else unknown", () => {
    let recognised = 0;
    let strangers = 0;
    for (const [n, answer] of answers) {
      for (const face of answer.faces ?? []) {
        const person = gallery.people.find((p) => p.photo === n && overlap(fractionBox(p), face.box) > 0.5);
        if (person) {
          expect(face.label, `sample${n} ${person.label}`).toBe(person.label);
          recognised++;
        } else {
          expect(face.label, `sample${n} stranger at ${face.box.left.toFixed(2)}`).toBe("unknown");
          strangers++;
        }
      }
    }
    expect(recognised).toBeGreaterThanOrEqual(2);
    expect(strangers).toBeGreaterThanOrEqual(10);
  });

  it("recognises a gallery person in a portrait cut from the group photo", async () => {
    for (const person of gallery.people.slice(0, 2)) {
      const answer = await predict(await portraitOf(person));
      expect(answer.faces?.[0]?.label, person.label).toBe(person.label);
      expect(answer.predictions[0]?.label).toBe(person.label);
    }
  });

  it("recognises tight 112×112 face crops, like the aligned crops of face datasets", async () => {
    for (const person of gallery.people) {
      const side = Math.round(Math.max(person.box.width, person.box.height));
      const left = Math.max(0, Math.round(person.box.left + person.box.width / 2 - side / 2));
      const top = Math.max(0, Math.round(person.box.top + person.box.height / 2 - side / 2));
      const crop = await sharp(samplePhotoPath(person.photo))
        .extract({ left, top, width: side, height: side })
        .resize(112, 112)
        .jpeg({ quality: 92 })
        .toBuffer();
      const answer = await predict(new Uint8Array(crop));
      expect(answer.faces, person.label).toHaveLength(1);
      // The face fills the crop (found by the detector, directly or on the padded copy).
      expect(answer.faces?.[0]?.box.width).toBeGreaterThan(0.5);
      expect(answer.faces?.[0]?.label, person.label).toBe(person.label);
    }
  });

  it("answers face-api's own 1920×1280 demo photo (once refused as over 2 MP) and a 12 MP version of it alike", async () => {
    const original = await samplePhoto(1);
    const phone = new Uint8Array(
      await sharp(original).resize(4000, 2667, { fit: "fill" }).jpeg({ quality: 90 }).toBuffer(),
    );
    const small = await predict(original);
    const big = await predict(phone);
    expect(small.image).toMatchObject({ width: 1920, height: 1280, format: "jpeg" });
    expect(big.image).toMatchObject({ width: 4000, height: 2667, format: "jpeg" });
    expect(small.faces?.length).toBeGreaterThan(0);
    // Boxes are fractions of the original photo, so the largest face lands in the same place
    // whatever size the photo was sent at (each is decoded to its own ~1–2 MP working size).
    const [a, b] = [small.faces?.[0]?.box, big.faces?.[0]?.box];
    expect(b, "the 12 MP version finds a face").toBeDefined();
    for (const key of ["left", "top", "width", "height"] as const) {
      expect(Math.abs((a?.[key] ?? 0) - (b?.[key] ?? 9)), key).toBeLessThan(0.03);
    }
  });

  it("answers faces: [] for flat, noise and 1×1 pictures: no invented face", async () => {
    const noise = Buffer.alloc(320 * 240 * 3);
    let seed = 7;
    for (let i = 0; i < noise.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      noise[i] = seed >>> 24;
    }
    const pictures: [string, Buffer][] = [
      [
        "flat green",
        await sharp({
          create: { width: 640, height: 480, channels: 3, background: { r: 40, g: 160, b: 40 } },
        })
          .png()
          .toBuffer(),
      ],
      [
        "noise",
        await sharp(noise, { raw: { width: 320, height: 240, channels: 3 } })
          .png()
          .toBuffer(),
      ],
      [
        "blurred noise",
        await sharp(noise, { raw: { width: 320, height: 240, channels: 3 } })
          .blur(3)
          .png()
          .toBuffer(),
      ],
      [
        "1×1",
        await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 200, g: 170, b: 150 } } })
          .png()
          .toBuffer(),
      ],
    ];
    for (const [name, bytes] of pictures) {
      const answer = await predict(new Uint8Array(bytes));
      expect(answer.faces, name).toEqual([]);
      expect(answer.predictions, name).toEqual([]);
      expect(answer.truncated, name).toBe(false);
    }
  });

  it("answers 200 with no faces and a message for a photo without a face", async () => {
    const { data, info } = await sharp({
      create: { width: 640, height: 400, channels: 3, background: { r: 40, g: 120, b: 200 } },
    })
      .composite([
        {
          input: Buffer.from(
            '<svg width="640" height="400"><rect x="100" y="80" width="300" height="200" fill="orange"/></svg>',
          ),
        },
      ])
      .raw()
      .toBuffer({ resolveWithObject: true });
    const jpeg = await sharp(data, { raw: info }).jpeg().toBuffer();
    const answer = await predict(new Uint8Array(jpeg));
    expect(answer.faces).toEqual([]);
    expect(answer.predictions).toEqual([]);
    expect(answer.message).toMatch(/no face/i);
    expect(answer.image).toMatchObject({ width: 640, height: 400, format: "jpeg" });
  });
});

describe("parity with Node", () => {
  it("gives the same faces, labels and scores (within 1e-4) as the shared pipeline in Node", async () => {
    const bodies: [string, Uint8Array][] = [];
    for (const n of [1, 4, 6]) bodies.push([`sample${n}`, await facePhoto(n)]);
    bodies.push(["portrait", await portraitOf(gallery.people[0] as FaceGallery["people"][number])]);
    let compared = 0;
    for (const [name, body] of bodies) {
      const edge = await predict(body, "?top_k=3");
      const { image } = await decodeImage(body);
      const reference = await node.recognize(image);
      expect(edge.faces?.length, name).toBe(reference.faces.length);
      reference.faces.forEach((ref, i) => {
        const got = edge.faces?.[i];
        expect(got?.label, `${name} face ${i}`).toBe(ref.label);
        expect(Math.abs((got?.score ?? 0) - ref.score)).toBeLessThan(1e-4);
        expect(Math.abs((got?.detectionScore ?? 0) - ref.detectionScore)).toBeLessThan(1e-4);
        for (const key of ["left", "top", "width", "height"] as const) {
          expect(Math.abs((got?.box[key] ?? 0) - ref.box[key])).toBeLessThan(1e-4);
        }
        for (const p of ref.predictions) {
          const mine = got?.predictions.find((q) => q.label === p.label);
          expect(Math.abs((mine?.score ?? -1) - p.score), `${name} face ${i} ${p.label}`).toBeLessThan(1e-4);
          compared++;
        }
      });
    }
    expect(compared).toBeGreaterThanOrEqual(20);
  }, 120_000);
});

describe("resources", () => {
  it("keeps the tensor count and the wasm heap flat across repeated face requests", async () => {
    const health = async () => (await (await worker.fetch("/health")).json()) as HealthResponse;
    const photos = await Promise.all([1, 4, 6].map(facePhoto));
    for (const p of photos) await predict(p);
    const before = await health();
    for (let round = 0; round < 4; round++) for (const p of photos) await predict(p);
    const after = await health();
    expect(after.tensors).toBe(before.tensors);
    expect(after.wasmMemoryBytes).toBe(before.wasmMemoryBytes);
  }, 120_000);
});
