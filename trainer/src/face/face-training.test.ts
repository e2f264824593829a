// End to end on face-api's sample photos: a tiny gallery whose "people" are faces cut from one
// group photo (with flips and shifts), embedded through the real pipeline, cached, trained,
// exported, evaluated, and a held-out person rejected as a stranger.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeImage, parseModelMetadataText } from "@marquee/shared";
import { findFaces, servingFacePolicy } from "@marquee/shared/face";
import { faceApiDir, useNodeWasmDecoders } from "@marquee/shared/node";
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initWasmBackend } from "../backend/wasm-node.ts";
import { silentLog } from "../data/types.ts";
import { loadExportedModel } from "../export/load-model.ts";
import { loadFaceDataset } from "./embed-dataset.ts";
import { evaluateFaceModel } from "./evaluate-face.ts";
import { DEFAULT_FACE_PIPELINE, loadPipelineModels } from "./face-pipeline.ts";
import { DEFAULT_FACE_TRAINING, trainFaceModel } from "./train-face.ts";

const KNOWN = ["person-a", "person-b", "person-c", "person-d"];
const STRANGER = "stranger";
// (dx, dy) shifts as shares of the crop side, each also mirrored: 8 photos per person.
const SHIFTS: [number, number][] = [
  [0, 0],
  [0.12, 0],
  [-0.12, 0.06],
  [0, -0.12],
];

let root: string;
let cacheDir: string;

/** Cut square crops around each face of sample5 (five different people in one photo). */
async function buildGallery(): Promise<void> {
  const photo = join(faceApiDir(), "demo", "sample5.jpg");
  const bytes = new Uint8Array(await readFile(photo));
  const { image } = await decodeImage(bytes);
  const models = await loadPipelineModels(DEFAULT_FACE_PIPELINE);
  const { faces } = await findFaces(models, image, servingFacePolicy({ landmarks: false }));
  models.dispose();
  expect(faces.length).toBe(5); // face-api's sample5: five people
  const people = [...KNOWN, STRANGER];
  for (const [p, face] of faces.entries()) {
    const name = people[p]!;
    const side = face.box.width * 2;
    const cx = face.box.left + face.box.width / 2;
    const cy = face.box.top + face.box.height / 2;
    for (const [s, [dx, dy]] of SHIFTS.entries()) {
      const left = Math.round(Math.max(0, Math.min(image.width - side, cx - side / 2 + dx * side)));
      const top = Math.round(Math.max(0, Math.min(image.height - side, cy - side / 2 + dy * side)));
      const crop = sharp(photo).extract({ left, top, width: Math.round(side), height: Math.round(side) });
      const resized = crop.resize(220, 220);
      for (const flip of [false, true]) {
        const jpeg = await (flip ? resized.clone().flop() : resized.clone()).jpeg({ quality: 92 }).toBuffer();
        const file = `${name}-${s}${flip ? "-flip" : ""}.jpg`;
        // "known" is the training data; "eval" holds the same people plus the stranger.
        if (name !== STRANGER) {
          await mkdir(join(root, "known", name), { recursive: true });
          await writeFile(join(root, "known", name, file), jpeg);
        }
        await mkdir(join(root, "eval", name), { recursive: true });
        await writeFile(join(root, "eval", name, file), jpeg);
      }
    }
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "marquee-face-"));
  cacheDir = join(root, "cache");
  await initWasmBackend();
  await useNodeWasmDecoders();
  await buildGallery();
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("face training on a gallery cut from face-api's sample photos", () => {
  it("embeds every photo once, reuses the cache and recomputes damaged entries", async () => {
    const opts = { cacheDir, workers: 0, log: silentLog, progress: false, validationSplit: 0.25 };
    const first = await loadFaceDataset(join(root, "known"), opts);
    expect(first.classNames).toEqual(KNOWN);
    expect(first.noFace).toEqual([]);
    expect(first.stats.embedded).toBe(32);
    expect(first.train.length + first.validation.length).toBe(32);
    expect(first.validation.length).toBeGreaterThan(0);

    const second = await loadFaceDataset(join(root, "known"), opts);
    expect(second.stats).toMatchObject({ embedded: 0, cached: 32, repairedEntries: 0 });

    // Damage two entries: one truncated mid-write, one with a flipped digit (checksum mismatch).
    const entriesRoot = join(cacheDir, "face-embeddings-v2");
    const [key] = await readdir(entriesRoot);
    const files: string[] = [];
    for (const sub of await readdir(join(entriesRoot, key!)))
      for (const f of await readdir(join(entriesRoot, key!, sub)))
        files.push(join(entriesRoot, key!, sub, f));
    expect(files.length).toBe(32);
    const truncated = await readFile(files[0]!, "utf8");
    await writeFile(files[0]!, truncated.slice(0, truncated.length / 2));
    const tampered = await readFile(files[1]!, "utf8");
    await writeFile(
      files[1]!,
      tampered.replace(/(\d)(\d)/, (_, a, b) => `${a}${(Number(b) + 1) % 10}`),
    );

    const third = await loadFaceDataset(join(root, "known"), opts);
    expect(third.stats).toMatchObject({ embedded: 2, cached: 30, repairedEntries: 2 });
    // Recomputed descriptors equal the originals (the pipeline is deterministic).
    const byPath = new Map(first.train.concat(first.validation).map((e) => [e.file.path, e.descriptor]));
    for (const e of third.train.concat(third.validation))
      expect(Array.from(e.descriptor)).toEqual(Array.from(byPath.get(e.file.path)!));
  });

  it("trains a head, exports it, and rejects a person it never saw", async () => {
    const ds = await loadFaceDataset(join(root, "known"), {
      cacheDir,
      workers: 0,
      log: silentLog,
      progress: false,
      validationSplit: 0.25,
    });
    const outDir = join(root, "run");
    const lines: string[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const outcome = await trainFaceModel(
      ds,
      {
        ...DEFAULT_FACE_TRAINING,
        outDir,
        name: "sample-gallery",
        head: "imprinted",
        epochs: 15,
        patience: 5,
        strangerFoldSize: 1,
      },
      {
        backend: "wasm",
        log: (l) => lines.push(l),
        reporter: { epochBegin() {}, stepEnd() {}, epochEnd() {}, message() {} },
      },
    );
    // Candidate heads, fold heads and the export model are all disposed.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(outcome.evaluation.accuracy).toBe(1);
    expect(outcome.rejection.kind).toBe("distance");
    // Leave-one-person-out: each fold's held-out person must be told apart from the others.
    expect(outcome.openSet.strangersRejected).toBeGreaterThanOrEqual(0.95);
    for (const f of ["history", "evaluation", "openSet", "curves", "confusion", "openSetChart", "report"])
      expect(existsSync(outcome.files[f]!)).toBe(true);

    const metadata = parseModelMetadataText(await readFile(join(outDir, "model", "metadata.json"), "utf8"));
    expect(metadata.pipeline).toBe("face");
    expect(metadata.labels).toEqual(KNOWN);
    expect(metadata.face?.embedder.package).toBe("@vladmandic/face-api");
    expect(metadata.face?.rejection).toEqual(outcome.rejection);

    const loaded = await loadExportedModel(join(outDir, "model"));
    const ev = await evaluateFaceModel(loaded, join(root, "eval"), {
      cacheDir,
      workers: 0,
      log: silentLog,
      progress: false,
    });
    expect(ev.n).toBe(40);
    expect(ev.strangers).toBe(8);
    expect(ev.perClass[STRANGER]).toMatchObject({ known: false, n: 8 });
    expect(ev.unknownRejection).toBe(1);
    expect(ev.knownTop1).toBe(1);
    expect(ev.knownAccuracy).toBeGreaterThanOrEqual(0.9);
    // Evaluation finds faces by the rule training used (and the worker uses), so the 32 known
    // photos come from the training embeddings' cache (same key); only the up to 8 distinct
    // stranger crops are new (crops clamped at the photo's edge can repeat).
    expect(ev.embedding.cached).toBe(32);
    expect(ev.embedding.photos).toBeGreaterThan(0);
    expect(ev.embedding.photos).toBeLessThanOrEqual(8);
    expect(await readdir(join(cacheDir, "face-embeddings-v2"))).toHaveLength(1);
    const again = await evaluateFaceModel(loaded, join(root, "eval"), {
      cacheDir,
      workers: 0,
      log: silentLog,
      progress: false,
    });
    loaded.model.dispose();
    expect(again.embedding).toMatchObject({ photos: 0, cached: 32 + ev.embedding.photos });
    expect(again.accuracy).toBe(ev.accuracy);
  });
});
