// `pnpm gallery import|export|seed` against the wrangler-built worker in Miniflare (over HTTP):
// a folder of person folders is enrolled with a refusal summary, the export is written, the
// bundled model's people seed a gallery. The worker serves the face fixture model, whose embedder
// is the bundled model's, so the seeded centroids are accepted.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { GalleryExport, PeopleResponse } from "@marquee/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureFaceWorkerBuild } from "../helpers/face-worker.ts";
import { FIVE_VARIANTS, faceless, portrait } from "../helpers/gallery-faces.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

const run = promisify(execFile);
const ADMIN = "cli-admin-key-77";
let worker: RunningWorker;
let url: string;
let dir: string;

beforeAll(async () => {
  const { build, gallery } = await ensureFaceWorkerBuild();
  dir = await mkdtemp(join(tmpdir(), "marquee-gallery-cli-"));
  worker = await startWorker({ ...build, vars: { MARQUEE_ADMIN_KEY: ADMIN }, persistDir: join(dir, "do") });
  url = (await worker.mf.ready).toString();
  for (const [i, name] of ["Ann", "Bob"].entries()) {
    await mkdir(join(dir, "photos", name), { recursive: true });
    for (const [j, v] of FIVE_VARIANTS.slice(0, 3).entries()) {
      await writeFile(
        join(dir, "photos", name, `${j}.jpg`),
        await portrait(gallery.people[i * 2] as (typeof gallery.people)[number], v),
      );
    }
  }
  await writeFile(join(dir, "photos", "Bob", "blank.jpg"), await faceless());
});
afterAll(async () => {
  await worker?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function gallery(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ["--import", "tsx", join(REPO_DIR, "trainer/src/cli/gallery.ts"), ...args], {
    cwd: REPO_DIR,
    env: { ...process.env, ...env },
  }).catch((err: { code: number; stdout: string; stderr: string }) => err);
}

it("imports person folders with a summary of refused photos, then exports the gallery", async () => {
  const out = await gallery(["import", "--data", join(dir, "photos"), "--url", url, "--gallery", "team"], {
    MARQUEE_ADMIN_KEY: ADMIN,
  });
  expect(out.stdout).toContain('enrolled 6 of 7 photos (2 people) into "team"');
  expect(out.stdout).toMatch(/refused 1:\s+no_face \(1\):\s+\S*blank\.jpg: In the photo, no face was found/);
  const list = (await (await worker.fetch("/galleries/team/people")).json()) as PeopleResponse;
  expect(list.people.map((p) => [p.person, p.faces])).toEqual([
    ["Ann", 3],
    ["Bob", 3],
  ]);
  const file = join(dir, "team.json");
  const exported = await gallery([
    "export",
    "--url",
    url,
    "--gallery",
    "team",
    "--out",
    file,
    "--admin-key",
    ADMIN,
  ]);
  expect(exported.stdout).toContain(`wrote ${file}`);
  const doc = JSON.parse(await readFile(file, "utf8")) as GalleryExport;
  expect(doc.people.map((p) => p.faces.length)).toEqual([3, 3]);
});

it("fails clearly without the admin key, and seeds the bundled model's 17 people", async () => {
  const refused = await gallery(["import", "--data", join(dir, "photos"), "--url", url, "--gallery", "x"], {
    MARQUEE_ADMIN_KEY: "",
  });
  expect("code" in refused ? refused.code : 0).toBe(1);
  expect(refused.stderr).toContain("MARQUEE_ADMIN_KEY");
  const seeded = await gallery(["seed", "--url", url, "--admin-key", ADMIN]);
  expect(seeded.stdout).toContain('seeded "celebs" with 17 people');
  const list = (await (await worker.fetch("/galleries/celebs/people")).json()) as PeopleResponse;
  expect(list.people.map((p) => p.person)).toContain("Tom Hanks");
});
