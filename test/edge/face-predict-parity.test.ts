// Parity for face models: `pnpm predict --json` (the real CLI, in plain Node) answers what the
// worker (the wrangler-built bundle in plain Miniflare) answers for the same photo: the same faces,
// the same labels ("unknown" included), every score, detection score and box within 1e-4. Both run
// shared's serving face policy (servingFacePolicy: BlazeFace + scaled pass, 100 faces).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type PredictResponse, parseModelMetadataText } from "@marquee/shared";
import { type FaceBox, servingFacePolicy } from "@marquee/shared/face";
import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FaceGallery } from "../fixtures/make-face-model.ts";
import { ensureFaceWorkerBuild } from "../helpers/face-worker.ts";
import { samplePhotoPath } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { type RunningWorker, startWorker, wranglerVars } from "../helpers/start-worker.ts";

const run = promisify(execFile);

/** One face as `pnpm predict --json` prints it for a face model. */
interface CliFace {
  box: FaceBox;
  detectionScore: number;
  label: string;
  score: number;
  distance: number | null;
  predictions: { label: string; score: number }[];
  source: "detected" | "padded-retry";
}

/** What `pnpm predict --json` prints for a face model. */
interface FacePredictCliOutput {
  model: { name: string; version: string; dir: string };
  results: (
    | { file: string; faces: CliFace[]; predictions: { label: string; score: number }[]; message?: string }
    | { file: string; error: { code: string; message: string } }
  )[];
}

/** A test photo: its file, and its size (which decides the detector input under the serving policy). */
interface Photo {
  name: string;
  path: string;
  width: number;
  height: number;
}

let worker: RunningWorker;
let modelDir: string;
let gallery: FaceGallery;
let scratch: string;
const photos: Photo[] = [];

/** Write `image` (a sharp pipeline) as a JPEG into the scratch folder. */
async function addPhoto(name: string, image: Sharp): Promise<void> {
  const { data, info } = await image.jpeg({ quality: 92 }).toBuffer({ resolveWithObject: true });
  const path = join(scratch, `${name}.jpg`);
  await writeFile(path, data);
  photos.push({ name, path, width: info.width, height: info.height });
}

/** A square cut around a gallery person's face (`scale` × the face box), resized to `side` px. */
function faceCut(person: FaceGallery["people"][number], scale: number, side: number): Sharp {
  const size = Math.round(Math.max(person.box.width, person.box.height) * scale);
  const left = Math.max(0, Math.round(person.box.left + person.box.width / 2 - size / 2));
  const top = Math.max(0, Math.round(person.box.top + person.box.height / 2 - size / 2));
  return sharp(samplePhotoPath(person.photo))
    .extract({
      left,
      top,
      width: Math.min(size, person.imageWidth - left),
      height: Math.min(size, person.imageHeight - top),
    })
    .resize(side, side, { fit: "fill" });
}

beforeAll(async () => {
  const fixture = await ensureFaceWorkerBuild();
  modelDir = fixture.modelDir;
  gallery = fixture.gallery;
  worker = await startWorker(fixture.build);
  scratch = await mkdtemp(join(tmpdir(), "marquee-face-parity-"));
  // Group photos at several sizes up to the worker's 2 MP face cap (1600×1139 = 1.8 MP), down to 480 px.
  const widths: Record<number, number> = { 1: 1536, 2: 1600, 3: 1024, 4: 800, 5: 480, 6: 1280 };
  for (const [n, width] of Object.entries(widths))
    await addPhoto(`sample${n}@${width}`, sharp(samplePhotoPath(Number(n))).resize({ width }));
  const [first, second] = gallery.people as unknown as [
    FaceGallery["people"][number],
    FaceGallery["people"][number],
  ];
  // A tight 112×112 face crop (found by the padded retry) and a 400 px head-and-shoulders cut.
  await addPhoto("tight-crop", faceCut(first, 1, 112));
  await addPhoto("portrait", faceCut(second, 2.6, 400));
}, 180_000);

afterAll(async () => {
  await worker?.dispose();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** `pnpm predict --model-dir <export> --json --top <n> <files…>`, run as the CLI from the repo root. */
async function pnpmPredict(paths: string[], top: number): Promise<FacePredictCliOutput> {
  const cli = join(REPO_DIR, "trainer", "src", "cli", "predict.ts");
  const args = ["--import", "tsx", cli, "--model-dir", modelDir, "--json", "--top", String(top), ...paths];
  const { stdout } = await run(process.execPath, args, { cwd: REPO_DIR, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as FacePredictCliOutput;
}

it("runs the deployed worker with shared's serving defaults, the ones pnpm predict uses", async () => {
  const vars = wranglerVars(await readFile(join(REPO_DIR, "wrangler.toml"), "utf8"));
  expect(vars.FACE_DETECTOR_INPUT_SIZE).toBeUndefined();
  expect(Number(vars.MAX_FACES ?? servingFacePolicy().maxFaces)).toBe(servingFacePolicy().maxFaces);
});

it("answers like the worker: same faces and labels, scores, detection scores and boxes within 1e-4", async () => {
  const metadata = parseModelMetadataText(await readFile(join(modelDir, "metadata.json"), "utf8"));
  const top = metadata.labels.length;
  const cli = await pnpmPredict(
    photos.map((p) => p.path),
    top,
  );
  expect(cli.model).toMatchObject({ name: metadata.name, version: metadata.version });
  expect(cli.results).toHaveLength(photos.length);

  let faces = 0;
  let maxDifference = 0;
  const labels = new Set<string>();
  const within = (a: number, b: number, what: string) => {
    const difference = Math.abs(a - b);
    expect(difference, what).toBeLessThan(1e-4);
    maxDifference = Math.max(maxDifference, difference);
  };
  for (const [i, photo] of photos.entries()) {
    const result = cli.results[i]!;
    if ("error" in result) throw new Error(`pnpm predict failed on ${photo.name}: ${result.error.message}`);
    expect(result.file).toBe(photo.path);

    const response = await worker.fetch(`/predict?top_k=${top}`, {
      method: "POST",
      body: new Uint8Array(await readFile(photo.path)),
    });
    const text = await response.text();
    expect(response.status, `${photo.name}: ${text}`).toBe(200);
    const edge = JSON.parse(text) as PredictResponse;
    expect(edge.image).toMatchObject({ width: photo.width, height: photo.height });

    const edgeFaces = edge.faces ?? [];
    expect(edgeFaces.length, photo.name).toBe(result.faces.length);
    result.faces.forEach((mine, k) => {
      const theirs = edgeFaces[k]!;
      const name = `${photo.name} face ${k}`;
      expect(theirs.label, name).toBe(mine.label);
      within(theirs.score, mine.score, `${name} score`);
      within(theirs.detectionScore, mine.detectionScore, `${name} detection score`);
      for (const key of ["left", "top", "width", "height"] as const)
        within(theirs.box[key], mine.box[key], `${name} box.${key}`);
      expect(theirs.predictions.map((p) => p.label).sort(), name).toEqual(
        mine.predictions.map((p) => p.label).sort(),
      );
      for (const p of mine.predictions)
        within(
          theirs.predictions.find((q) => q.label === p.label)?.score ?? -1,
          p.score,
          `${name} ${p.label}`,
        );
      labels.add(mine.label);
      faces++;
    });
    // The top-level predictions (the best accepted face's) are the same, and name no stranger.
    expect(
      edge.predictions.map((p) => p.label),
      photo.name,
    ).toEqual(result.predictions.map((p) => p.label));
    for (const [k, p] of result.predictions.entries())
      within(edge.predictions[k]!.score, p.score, `${photo.name} subject`);
  }
  console.log(
    `face parity: ${photos.length} photos, ${faces} faces, labels ${[...labels].sort().join(", ")}, max |Δ| ${maxDifference.toExponential(2)}`,
  );
  // The comparison covers the served detector, gallery people and strangers, and many faces.
  expect(servingFacePolicy().detector).toBe("blazeface");
  expect(labels.has("unknown")).toBe(true);
  expect([...labels].filter((l) => l !== "unknown").length).toBeGreaterThanOrEqual(2);
  expect(faces).toBeGreaterThanOrEqual(15);
  // The tight crop is one face filling the photo, recognised as its person.
  const crop = cli.results[photos.findIndex((p) => p.name === "tight-crop")]!;
  expect("faces" in crop && crop.faces.map((f) => f.label)).toEqual([gallery.people[0]!.label]);
}, 240_000);
