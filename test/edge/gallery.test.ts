// Galleries (issue 13) in the wrangler-built bundle under plain Miniflare: enrol → identify →
// delete, persistence across a restart, isolation, concurrent enrolments, export/import, /verify,
// and every refusal (auth, names, faces, limits, embedder). Faces are cut from face-api's sample
// photos (the face fixture's three people), with variants so no photo is enrolled twice.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  EnrolResponse,
  ErrorResponse,
  GalleryExport,
  IdentifyResponse,
  ImportResponse,
  PeopleResponse,
  VerifyResponse,
} from "@marquee/shared";
import { FormData } from "miniflare";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaceGallery } from "../fixtures/make-face-model.ts";
import type { WorkerBuild } from "../helpers/build-worker.ts";
import { ensureFaceWorkerBuild } from "../helpers/face-worker.ts";
import { FIVE_VARIANTS, faceless, HELD_BACK, portrait } from "../helpers/gallery-faces.ts";
import { samplePhotoPath } from "../helpers/images.ts";
import { copyAssets, type RunningWorker, startWorker } from "../helpers/start-worker.ts";

const ADMIN = "admin-key-for-gallery-tests-51c2";
const auth = { authorization: `Bearer ${ADMIN}` };

let build: WorkerBuild;
let people: FaceGallery["people"];
let worker: RunningWorker;
let persistDir: string;
let scratch: string;

beforeAll(async () => {
  const fixture = await ensureFaceWorkerBuild();
  build = fixture.build;
  people = fixture.gallery.people;
  scratch = await mkdtemp(join(tmpdir(), "marquee-gallery-"));
  persistDir = join(scratch, "do");
  worker = await startWorker({ ...build, vars: { MARQUEE_ADMIN_KEY: ADMIN }, persistDir });
});
afterAll(async () => {
  await worker?.dispose();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function person(i: number): FaceGallery["people"][number] {
  return people[i] as FaceGallery["people"][number];
}

async function enrol(
  w: RunningWorker,
  gallery: string,
  name: string,
  body: Uint8Array | FormData,
  query = "",
  headers: Record<string, string> = auth,
) {
  return w.fetch(`/galleries/${gallery}/people/${encodeURIComponent(name)}/faces${query}`, {
    method: "POST",
    body,
    headers,
  });
}

async function enrolFive(
  w: RunningWorker,
  gallery: string,
  name: string,
  who: number,
): Promise<EnrolResponse> {
  const form = new FormData();
  for (const [i, v] of FIVE_VARIANTS.entries()) {
    form.append("image", new Blob([await portrait(person(who), v)]), `view${i}.jpg`);
  }
  const response = await enrol(w, gallery, name, form);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as EnrolResponse;
}

async function identify(
  w: RunningWorker,
  gallery: string,
  photo: Uint8Array,
  query = "",
): Promise<IdentifyResponse> {
  const response = await w.fetch(`/galleries/${gallery}/identify${query}`, { method: "POST", body: photo });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as IdentifyResponse;
}

async function errorOf(response: {
  status: number;
  json(): Promise<unknown>;
}): Promise<[number, string, string]> {
  const body = (await response.json()) as ErrorResponse;
  return [response.status, body.error.code, body.error.message];
}

describe("enrol → identify → delete", () => {
  it("names the enrolled person, then says unknown once they are deleted", async () => {
    const enrolled = await enrolFive(worker, "lifecycle", "Ada Lovelace", 0);
    expect(enrolled).toMatchObject({ gallery: "lifecycle", person: "Ada Lovelace", added: 5, total: 5 });
    expect(enrolled.faces).toHaveLength(5);
    for (const face of enrolled.faces) {
      expect(face.id).toBeGreaterThan(0);
      expect(face.box.width).toBeGreaterThan(0.1);
    }
    const held = await portrait(person(0), HELD_BACK);
    const known = await identify(worker, "lifecycle", held);
    expect(known.faces).toHaveLength(1);
    expect(known.faces[0]?.label).toBe("Ada Lovelace");
    expect(known.faces[0]?.matches[0]?.distance).toBeLessThan(known.threshold);
    expect(known.searched).toBe(5);
    // Someone else's face is nobody in this gallery.
    const stranger = await identify(worker, "lifecycle", await portrait(person(1), HELD_BACK));
    expect(stranger.faces[0]?.label).toBe("unknown");
    expect(stranger.faces[0]?.matches[0]?.person).toBe("Ada Lovelace");
    expect(stranger.faces[0]?.matches[0]?.distance).toBeGreaterThan(stranger.threshold);

    const list = (await (await worker.fetch("/galleries/lifecycle/people")).json()) as PeopleResponse;
    expect(list.people).toEqual([{ person: "Ada Lovelace", faces: 5, updatedAt: expect.any(String) }]);
    expect(list.embedder).toMatchObject({
      name: "@vladmandic/face-api/face_recognition_model+dlib-chip+mirror",
      dimensions: 128,
    });

    // One face removed, then the person.
    const id = enrolled.faces[0]?.id as number;
    const delFace = await worker.fetch(`/galleries/lifecycle/people/Ada%20Lovelace/faces/${id}`, {
      method: "DELETE",
      headers: auth,
    });
    expect(delFace.status).toBe(204);
    const again = await worker.fetch(`/galleries/lifecycle/people/Ada%20Lovelace/faces/${id}`, {
      method: "DELETE",
      headers: auth,
    });
    expect((await errorOf(again)).slice(0, 2)).toEqual([404, "not_found"]);
    const del = await worker.fetch("/galleries/lifecycle/people/Ada%20Lovelace", {
      method: "DELETE",
      headers: auth,
    });
    expect(del.status).toBe(204);
    const after = await identify(worker, "lifecycle", held);
    expect(after.faces[0]?.label).toBe("unknown");
    expect(after.faces[0]?.matches).toEqual([]);
    expect(after.searched).toBe(0);
    const empty = (await (await worker.fetch("/galleries/lifecycle/people")).json()) as PeopleResponse;
    expect(empty.people).toEqual([]);
  });

  it("?threshold= overrides the default within its bounds; top_k caps the matches", async () => {
    await enrolFive(worker, "threshold", "Ann", 0);
    await enrolFive(worker, "threshold", "Bob", 1);
    const held = await portrait(person(0), HELD_BACK);
    const stranger = await portrait(person(2), HELD_BACK);
    const byDefault = await identify(worker, "threshold", stranger);
    expect(byDefault.faces[0]?.label).toBe("unknown");
    const nearest = byDefault.faces[0]?.matches[0];
    const loose = await identify(worker, "threshold", stranger, "?threshold=1.2&top_k=1");
    expect(loose.threshold).toBe(1.2);
    expect(loose.faces[0]?.label).toBe(nearest?.person);
    expect(loose.faces[0]?.matches).toHaveLength(1);
    const below = Math.floor(((nearest?.distance ?? 0) - 0.02) * 100) / 100;
    expect((await identify(worker, "threshold", stranger, `?threshold=${below}`)).faces[0]?.label).toBe(
      "unknown",
    );
    const both = await identify(worker, "threshold", held);
    expect(both.faces[0]?.matches.map((m) => m.person)).toEqual(["Ann", "Bob"]);
    const m = both.faces[0]?.matches[0];
    expect(m?.similarity).toBeCloseTo(1 - (m?.distance ?? 0) ** 2 / 2, 4);
  });
});

describe("storage", () => {
  it("keeps a gallery across a worker restart and a new Miniflare on the same persistence folder", async () => {
    await enrolFive(worker, "persisted", "Grace Hopper", 1);
    await worker.restart();
    const held = await portrait(person(1), HELD_BACK);
    expect((await identify(worker, "persisted", held)).faces[0]?.label).toBe("Grace Hopper");
    await worker.dispose();
    worker = await startWorker({ ...build, vars: { MARQUEE_ADMIN_KEY: ADMIN }, persistDir });
    const list = (await (await worker.fetch("/galleries/persisted/people")).json()) as PeopleResponse;
    expect(list.people.map((p) => [p.person, p.faces])).toEqual([["Grace Hopper", 5]]);
    expect((await identify(worker, "persisted", held)).faces[0]?.label).toBe("Grace Hopper");
  });

  it("two galleries do not see each other", async () => {
    await enrolFive(worker, "team-a", "Alice", 0);
    await enrolFive(worker, "team-b", "Bruno", 2);
    const alice = await portrait(person(0), HELD_BACK);
    const bruno = await portrait(person(2), HELD_BACK);
    expect((await identify(worker, "team-a", alice)).faces[0]?.label).toBe("Alice");
    expect((await identify(worker, "team-b", bruno)).faces[0]?.label).toBe("Bruno");
    const crossA = await identify(worker, "team-a", bruno);
    expect(crossA.faces[0]?.matches.map((m) => m.person)).toEqual(["Alice"]);
    expect(crossA.faces[0]?.label).toBe("unknown");
    const crossB = await identify(worker, "team-b", alice);
    expect(crossB.faces[0]?.matches.map((m) => m.person)).toEqual(["Bruno"]);
    const listA = (await (await worker.fetch("/galleries/team-a/people")).json()) as PeopleResponse;
    expect(listA.people.map((p) => p.person)).toEqual(["Alice"]);
  });

  it("concurrent enrolments into one person lose nothing", async () => {
    const photos = await Promise.all(
      [1.9, 2.1, 2.3, 2.5, 2.7, 2.9, 3.1, 3.3].map((scale, i) =>
        portrait(person(0), { scale, flip: i % 2 === 0 }),
      ),
    );
    const answers = await Promise.all(
      photos.map((p) => enrol(worker, "busy", "Concurrent Carla", p, "?face=largest")),
    );
    const bodies = await Promise.all(
      answers.map(async (r) => [r.status, (await r.json()) as EnrolResponse] as const),
    );
    for (const [status] of bodies) expect(status).toBe(201);
    const ids = bodies.flatMap(([, b]) => b.faces.map((f) => f.id));
    expect(new Set(ids).size).toBe(8);
    expect(bodies.map(([, b]) => b.total).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const list = (await (await worker.fetch("/galleries/busy/people")).json()) as PeopleResponse;
    expect(list.people).toEqual([{ person: "Concurrent Carla", faces: 8, updatedAt: expect.any(String) }]);
  });
});

describe("export and import", () => {
  it("round-trips a gallery into another one, bit for bit, and answers identify alike", async () => {
    await enrolFive(worker, "source", "Dora", 0);
    await enrolFive(worker, "source", "Emil", 2);
    const exported = await worker.fetch("/galleries/source/export", { headers: auth });
    expect(exported.status).toBe(200);
    const doc = (await exported.json()) as GalleryExport;
    expect(doc.format).toBe("marquee-gallery");
    expect(doc.people.map((p) => [p.person, p.faces.length])).toEqual([
      ["Dora", 5],
      ["Emil", 5],
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/image|jpeg|photo/i);
    const imported = await worker.fetch("/galleries/copy/import", {
      method: "POST",
      body: JSON.stringify(doc),
      headers: auth,
    });
    expect(imported.status, await imported.clone().text()).toBe(200);
    expect((await imported.json()) as ImportResponse).toEqual({
      gallery: "copy",
      people: 2,
      added: 10,
      total: 10,
    });
    const held = await portrait(person(2), HELD_BACK);
    const a = await identify(worker, "source", held);
    const b = await identify(worker, "copy", held);
    expect(b.faces[0]?.matches).toEqual(a.faces[0]?.matches);
    expect(b.faces[0]?.label).toBe("Emil");
    const again = (await (
      await worker.fetch("/galleries/copy/export", { headers: auth })
    ).json()) as GalleryExport;
    expect(again.people).toEqual(doc.people);
    // replace=true swaps the content instead of adding to it.
    const one = { ...doc, people: doc.people.slice(0, 1) };
    const replaced = await worker.fetch("/galleries/copy/import?replace=true", {
      method: "POST",
      body: JSON.stringify(one),
      headers: auth,
    });
    expect(((await replaced.json()) as ImportResponse).total).toBe(5);
  });

  it("refuses another embedder, a bad document and an oversized body", async () => {
    const doc = (await (
      await worker.fetch("/galleries/source/export", { headers: auth })
    ).json()) as GalleryExport;
    const other = { ...doc, embedder: { ...doc.embedder, version: "9.9.9" } };
    const refused = await worker.fetch("/galleries/x/import", {
      method: "POST",
      body: JSON.stringify(other),
      headers: auth,
    });
    const [status, code, message] = await errorOf(refused);
    expect([status, code]).toEqual([409, "embedder_mismatch"]);
    expect(message).toContain("9.9.9");
    const bad = await worker.fetch("/galleries/x/import", { method: "POST", body: "{nope", headers: auth });
    expect((await errorOf(bad)).slice(0, 2)).toEqual([400, "bad_request"]);
    const shape = await worker.fetch("/galleries/x/import", {
      method: "POST",
      body: JSON.stringify({ ...doc, people: [{ person: "A", faces: [{ embedding: "AAAA" }] }] }),
      headers: auth,
    });
    const [s2, c2, m2] = await errorOf(shape);
    expect([s2, c2]).toEqual([400, "bad_request"]);
    expect(m2).toContain("people[0].faces[0].embedding");
    const big = await worker.fetch("/galleries/x/import", {
      method: "POST",
      body: new Uint8Array(9 * 1024 * 1024),
      headers: auth,
    });
    expect((await errorOf(big)).slice(0, 2)).toEqual([413, "payload_too_large"]);
    const list = (await (await worker.fetch("/galleries/x/people")).json()) as PeopleResponse;
    expect(list.people).toEqual([]);
  });

  it("refuses a gallery made with another embedder than the one served", async () => {
    // Same bundle and storage, but the served model's metadata names another embedder version.
    const assetsDir = join(scratch, "assets-other-embedder");
    await copyAssets(build.assetsDir, assetsDir);
    const metaPath = join(assetsDir, "models", "default", "metadata.json");
    const meta = JSON.parse(await readFile(metaPath, "utf8"));
    meta.face.embedder.version = "0.0.1-other";
    await writeFile(metaPath, JSON.stringify(meta));
    await worker.dispose();
    worker = await startWorker({ ...build, assetsDir, vars: { MARQUEE_ADMIN_KEY: ADMIN }, persistDir });
    try {
      const response = await worker.fetch("/galleries/persisted/identify", {
        method: "POST",
        body: await portrait(person(1)),
      });
      const [status, code, message] = await errorOf(response);
      expect([status, code]).toEqual([409, "embedder_mismatch"]);
      expect(message).toMatch(/1\.7\.15.*0\.0\.1-other/s);
      const write = await enrol(worker, "persisted", "Grace Hopper", await portrait(person(1)));
      expect((await errorOf(write)).slice(0, 2)).toEqual([409, "embedder_mismatch"]);
    } finally {
      await worker.dispose();
      worker = await startWorker({ ...build, vars: { MARQUEE_ADMIN_KEY: ADMIN }, persistDir });
    }
  });
});

describe("/verify", () => {
  it("says two views of one face are the same person and two people are not", async () => {
    const verify = async (a: Uint8Array<ArrayBuffer>, b: Uint8Array<ArrayBuffer>, query = "") => {
      const form = new FormData();
      form.append("a", new Blob([a]), "a.jpg");
      form.append("b", new Blob([b]), "b.jpg");
      const response = await worker.fetch(`/verify${query}`, { method: "POST", body: form });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as VerifyResponse;
    };
    const same = await verify(await portrait(person(0)), await portrait(person(0), HELD_BACK));
    expect(same.samePerson).toBe(true);
    expect(same.distance).toBeLessThan(same.threshold);
    const different = await verify(await portrait(person(0)), await portrait(person(1)));
    expect(different.samePerson).toBe(false);
    expect(different.distance).toBeGreaterThan(different.threshold);
    expect(
      (await verify(await portrait(person(0)), await portrait(person(1)), "?threshold=1.2")).samePerson,
    ).toBe(true);
    const one = new FormData();
    one.append("a", new Blob([await portrait(person(0))]), "a.jpg");
    expect((await errorOf(await worker.fetch("/verify", { method: "POST", body: one }))).slice(0, 2)).toEqual(
      [400, "bad_request"],
    );
    const blank = new FormData();
    blank.append("a", new Blob([await portrait(person(0))]), "a.jpg");
    blank.append("b", new Blob([await faceless()]), "b.jpg");
    const [status, code, message] = await errorOf(
      await worker.fetch("/verify", { method: "POST", body: blank }),
    );
    expect([status, code]).toEqual([422, "no_face"]);
    expect(message).toContain('"b"');
  });
});

describe("refusals", () => {
  it("403 with how-to for writes while MARQUEE_ADMIN_KEY is unset; reads stay open", async () => {
    const open = await startWorker({ ...build, persistDir: join(scratch, "open") });
    try {
      const photo = await portrait(person(0));
      const writes = [
        open.fetch("/galleries/g/people/Ann/faces", { method: "POST", body: photo }),
        open.fetch("/galleries/g/people/Ann", { method: "DELETE" }),
        open.fetch("/galleries/g/people/Ann/faces/1", { method: "DELETE" }),
        open.fetch("/galleries/g/import", { method: "POST", body: "{}" }),
        open.fetch("/galleries/g/export"),
      ];
      for (const response of await Promise.all(writes)) {
        const [status, code, message] = await errorOf(response);
        expect([status, code]).toEqual([403, "forbidden"]);
        expect(message).toContain("MARQUEE_ADMIN_KEY=<key> pnpm start");
      }
      expect((await open.fetch("/galleries/g/people")).status).toBe(200);
      expect((await open.fetch("/galleries/g/identify", { method: "POST", body: photo })).status).toBe(200);
    } finally {
      await open.dispose();
    }
  });

  it("401 for a wrong or missing admin key; reads follow MARQUEE_API_KEY", async () => {
    const photo = await portrait(person(0));
    for (const headers of [{}, { authorization: "Bearer nope" }, { authorization: ADMIN }] as Record<
      string,
      string
    >[]) {
      expect((await errorOf(await enrol(worker, "g", "Ann", photo, "", headers))).slice(0, 2)).toEqual([
        401,
        "unauthorized",
      ]);
    }
    const locked = await startWorker({
      ...build,
      vars: { MARQUEE_ADMIN_KEY: ADMIN, MARQUEE_API_KEY: "reader-key" },
      persistDir: join(scratch, "locked"),
    });
    try {
      expect((await locked.fetch("/galleries/g/people")).status).toBe(401);
      expect((await locked.fetch("/galleries/g/identify", { method: "POST", body: photo })).status).toBe(401);
      const ok = await locked.fetch("/galleries/g/people", {
        headers: { authorization: "Bearer reader-key" },
      });
      expect(ok.status).toBe(200);
    } finally {
      await locked.dispose();
    }
  });

  it("400 for bad gallery and person names, face ids, thresholds and options", async () => {
    const photo = await portrait(person(0));
    const cases: [string, RegExp][] = [
      ["/galleries/Upper/people/Ann/faces", /Gallery name "Upper"/],
      ["/galleries/-dash/people/Ann/faces", /Gallery name/],
      [`/galleries/${"a".repeat(64)}/people/Ann/faces`, /Gallery name/],
      ["/galleries/g/people/unknown/faces", /"unknown" is the label/],
      ["/galleries/g/people/%20Ann/faces", /leading, trailing/],
      [`/galleries/g/people/${"x".repeat(65)}/faces`, /longer than 64/],
      ["/galleries/g/people/Ann%3Cscript%3E/faces", /letters, digits/],
      ["/galleries/g/people/Ann/faces?face=all", /face must be "largest"/],
    ];
    for (const [path, message] of cases) {
      const [status, code, text] = await errorOf(
        await worker.fetch(path, { method: "POST", body: photo, headers: auth }),
      );
      expect([status, code], path).toEqual([400, "bad_request"]);
      expect(text, path).toMatch(message);
    }
    for (const t of ["0.05", "1.5", "abc", "-1", ""]) {
      const [status, , text] = await errorOf(
        await worker.fetch(`/galleries/g/identify?threshold=${t}`, { method: "POST", body: photo }),
      );
      expect(status, t).toBe(400);
      expect(text).toMatch(/threshold must be a number from 0.1 to 1.2/);
    }
    const badId = await worker.fetch("/galleries/g/people/Ann/faces/abc", {
      method: "DELETE",
      headers: auth,
    });
    expect((await errorOf(badId)).slice(0, 2)).toEqual([400, "bad_request"]);
    const nobody = await worker.fetch("/galleries/g/people/Nobody", { method: "DELETE", headers: auth });
    expect((await errorOf(nobody)).slice(0, 2)).toEqual([404, "not_found"]);
    const wrongMethod = await worker.fetch("/galleries/g/identify");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });

  it("422 no_face and several_faces (unless ?face=largest), naming the photo; nothing is enrolled", async () => {
    const [s1, c1, m1] = await errorOf(await enrol(worker, "faces", "Ann", await faceless()));
    expect([s1, c1]).toEqual([422, "no_face"]);
    expect(m1).toMatch(/no face/);
    const group = new Uint8Array(await sharp(samplePhotoPath(6)).resize({ width: 1536 }).jpeg().toBuffer());
    const [s2, c2, m2] = await errorOf(await enrol(worker, "faces", "Ann", group));
    expect([s2, c2]).toEqual([422, "several_faces"]);
    expect(m2).toMatch(/\d+ faces were found.*\?face=largest/);
    const form = new FormData();
    form.append("image", new Blob([await portrait(person(0))]), "good.jpg");
    form.append("image", new Blob([await faceless()]), "blank.jpg");
    const [s3, c3, m3] = await errorOf(await enrol(worker, "faces", "Ann", form));
    expect([s3, c3]).toEqual([422, "no_face"]);
    expect(m3).toContain('photo 2 of 2 ("blank.jpg")');
    const list = (await (await worker.fetch("/galleries/faces/people")).json()) as PeopleResponse;
    expect(list.people).toEqual([]);
    const largest = await enrol(worker, "faces", "Ann", group, "?face=largest");
    expect(largest.status).toBe(201);
    expect(((await largest.json()) as EnrolResponse).added).toBe(1);
    const empty = await enrol(worker, "faces", "Ann", new Uint8Array(0));
    expect((await errorOf(empty)).slice(0, 2)).toEqual([400, "empty_body"]);
  });

  it("409 limit_exceeded past the faces-per-person and people-per-gallery limits", async () => {
    const small = await startWorker({
      ...build,
      vars: {
        MARQUEE_ADMIN_KEY: ADMIN,
        GALLERY_MAX_FACES_PER_PERSON: "2",
        GALLERY_MAX_PEOPLE: "1",
        // Past one face, identify scans SQLite page by page instead of the packed copy.
        GALLERY_MEMORY_FACES: "1",
      },
      persistDir: join(scratch, "small"),
    });
    try {
      const photo = await portrait(person(0));
      expect((await enrol(small, "lim", "Ann", photo)).status).toBe(201);
      expect((await enrol(small, "lim", "Ann", photo)).status).toBe(201);
      const [s1, c1, m1] = await errorOf(await enrol(small, "lim", "Ann", photo));
      expect([s1, c1]).toEqual([409, "limit_exceeded"]);
      expect(m1).toContain("GALLERY_MAX_FACES_PER_PERSON");
      const [s2, c2, m2] = await errorOf(await enrol(small, "lim", "Bob", photo));
      expect([s2, c2]).toEqual([409, "limit_exceeded"]);
      expect(m2).toContain("GALLERY_MAX_PEOPLE");
      const found = await identify(small, "lim", await portrait(person(0), HELD_BACK));
      expect(found.faces[0]?.label).toBe("Ann");
      expect(found.searched).toBe(2);
    } finally {
      await small.dispose();
    }
  });
});
