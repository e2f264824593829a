import {
  decodeEmbedding,
  type EmbedderId,
  type EnrolResponse,
  encodeEmbedding,
  type FractionBox,
  GALLERY_EXPORT_FORMAT,
  GALLERY_EXPORT_VERSION,
  type IdentifyResponse,
  type ImportResponse,
  isMarqueeError,
  MarqueeError,
  type PeopleResponse,
  parseGalleryExport,
  type VerifyResponse,
} from "@marquee/shared";
import { Hono } from "hono";
import type { WorkerEnv } from "../env.ts";
import { requireApiKey } from "../http/api-key.ts";
import { jsonError } from "../http/error-response.ts";
import { imageFromRequest } from "../http/image-from-request.ts";
import { readBodyWithLimit } from "../http/read-body.ts";
import { parseTopK } from "../routes/predict.ts";
import type { EdgeRuntime } from "../runtime.ts";
import { requireAdminKey } from "./admin-key.ts";
import type { Stub } from "./bindings.ts";
import { embedderOf, embedPhoto, faceModel } from "./face-embedder.ts";
import type { GalleryApi, Result } from "./gallery-api.ts";
import {
  type GalleryConfig,
  MAX_PHOTOS_PER_ENROLMENT,
  readGalleryConfig,
  THRESHOLD_BOUNDS,
} from "./gallery-config.ts";
import { pairFromRequest, photosFromRequest } from "./images-from-request.ts";
import { faceId, galleryName, personName } from "./names.ts";

/** Sent with `faces: []` when identify finds no face. */
export const NO_FACE_TO_IDENTIFY =
  "No face was found in the image. Send a photo in which a face is clearly visible (roughly 40 px or wider).";

/** Faces per export page read from the Durable Object (~0.7 MB of JSON each). */
const EXPORT_PAGE_FACES = 1000;

/** Methods each gallery path answers; any other method gets 405. */
const GALLERY_ROUTES: Record<string, string> = {
  "/galleries/:gallery/people/:person/faces": "POST",
  "/galleries/:gallery/people/:person/faces/:id": "DELETE",
  "/galleries/:gallery/people/:person": "DELETE",
  "/galleries/:gallery/people": "GET, HEAD",
  "/galleries/:gallery/identify": "POST",
  "/galleries/:gallery/export": "GET, HEAD",
  "/galleries/:gallery/import": "POST",
  "/verify": "POST",
};

/**
 * The gallery API (issue 13), mounted by the app at `/`: enrol, list, delete, identify,
 * export/import and `/verify`. Writes need the admin key, reads follow `MARQUEE_API_KEY`.
 *
 * @example
 * app.route("/", galleryRoutes(runtime));
 */
export function galleryRoutes(runtime: EdgeRuntime): Hono<{ Bindings: WorkerEnv }> {
  const app = new Hono<{ Bindings: WorkerEnv }>();
  const admin = requireAdminKey();
  const reader = requireApiKey();

  app.post("/galleries/:gallery/people/:person/faces", admin, async (c) => {
    const config = runtime.config(c.env);
    const photos = await photosFromRequest(c.req.raw, config.limits.maxBytes, MAX_PHOTOS_PER_ENROLMENT);
    const gallery = galleryName(c.req.param("gallery"));
    const person = personName(c.req.param("person"));
    const largest = faceOption(c.req.query("face"));
    const gc = readGalleryConfig(c.env);
    const stub = galleryStub(c.env, gallery);
    const faces = [];
    let embedder: EmbedderId | null = null;
    for (const photo of photos) {
      const embedded = await embedPhoto(runtime, c.env, photo.bytes).catch((err: unknown) => {
        throw withLabel(err, photo.label, photos.length);
      });
      embedder = embedded.embedder;
      const [face] = embedded.faces;
      if (!face) {
        throw new MarqueeError(
          "no_face",
          `${where(photo.label, photos.length)}no face was found. Each photo must show one face clearly (roughly 40 px or wider); nothing was enrolled.`,
        );
      }
      if (embedded.faces.length > 1 && !largest) {
        throw new MarqueeError(
          "several_faces",
          `${where(photo.label, photos.length)}${embedded.faces.length} faces were found. Send a photo of ${person} alone, or add ?face=largest to enrol the largest face; nothing was enrolled.`,
        );
      }
      faces.push({ embedding: face.embedding, box: round(face.box) });
    }
    const value = unwrap(
      await stub.addFaces({
        gallery,
        person,
        embedder: embedder as EmbedderId,
        faces,
        limits: writeLimits(gc),
      }),
    );
    const body: EnrolResponse = {
      gallery,
      person,
      added: value.faces.length,
      faces: value.faces.map((f) => ({ id: f.id, box: f.box ?? { left: 0, top: 0, width: 1, height: 1 } })),
      total: value.total,
    };
    return c.json(body, 201);
  });

  app.get("/galleries/:gallery/people", reader, async (c) => {
    const gallery = galleryName(c.req.param("gallery"));
    const { people, embedder } = await galleryStub(c.env, gallery).listPeople();
    const body: PeopleResponse = { gallery, people, embedder };
    return c.json(body);
  });

  app.delete("/galleries/:gallery/people/:person", admin, async (c) => {
    const gallery = galleryName(c.req.param("gallery"));
    const person = personName(c.req.param("person"));
    unwrap(await galleryStub(c.env, gallery).deletePerson(person));
    return c.body(null, 204);
  });

  app.delete("/galleries/:gallery/people/:person/faces/:id", admin, async (c) => {
    const gallery = galleryName(c.req.param("gallery"));
    const person = personName(c.req.param("person"));
    const id = faceId(c.req.param("id"));
    unwrap(await galleryStub(c.env, gallery).deleteFace(person, id));
    return c.body(null, 204);
  });

  app.post("/galleries/:gallery/identify", reader, async (c) => {
    const start = performance.now();
    const config = runtime.config(c.env);
    const bytes = await imageFromRequest(c.req.raw, config.limits.maxBytes);
    const gallery = galleryName(c.req.param("gallery"));
    const topK = parseTopK(c.req.query("top_k"));
    const gc = readGalleryConfig(c.env);
    const threshold = parseThreshold(c.req.query("threshold"), gc.threshold);
    const embedded = await embedPhoto(runtime, c.env, bytes);
    const t0 = performance.now();
    let matches: IdentifyResponse["faces"][number]["matches"][] = [];
    let searched = 0;
    if (embedded.faces.length > 0) {
      const found = unwrap(
        await galleryStub(c.env, gallery).identify({
          gallery,
          embedder: embedded.embedder,
          queries: embedded.faces.map((f) => f.embedding),
          topK,
          memoryFaces: gc.memoryFaces,
        }),
      );
      matches = found.matches;
      searched = found.searched;
    }
    const search = performance.now() - t0;
    const body: IdentifyResponse = {
      gallery,
      threshold,
      faces: embedded.faces.map((face, i) => {
        const candidates = matches[i] ?? [];
        const best = candidates[0];
        return {
          box: round(face.box),
          detectionScore: face.detectionScore,
          label: best && best.distance <= threshold ? best.person : "unknown",
          matches: candidates,
        };
      }),
      searched,
      image: embedded.image,
      timingsMs: {
        decode: ms(embedded.timingsMs.decode),
        embed: ms(embedded.timingsMs.embed),
        search: ms(search),
        total: ms(performance.now() - start),
      },
    };
    if (embedded.faces.length === 0) body.message = NO_FACE_TO_IDENTIFY;
    return c.json(body);
  });

  app.post("/verify", reader, async (c) => {
    const config = runtime.config(c.env);
    const [a, b] = await pairFromRequest(c.req.raw, config.limits.maxBytes);
    const threshold = parseThreshold(c.req.query("threshold"), readGalleryConfig(c.env).threshold);
    const faces = [];
    for (const [name, bytes] of [
      ["a", a],
      ["b", b],
    ] as const) {
      const embedded = await embedPhoto(runtime, c.env, bytes).catch((err: unknown) => {
        throw withLabel(err, `the "${name}" photo`, 2);
      });
      const face = embedded.faces[0];
      if (!face) throw new MarqueeError("no_face", `No face was found in the "${name}" photo.`);
      faces.push(face.embedding);
    }
    const [x, y] = faces as [Float32Array, Float32Array];
    let d2 = 0;
    let dot = 0;
    for (let i = 0; i < x.length; i++) {
      d2 += ((x[i] as number) - (y[i] as number)) ** 2;
      dot += (x[i] as number) * (y[i] as number);
    }
    const distance = Math.round(Math.sqrt(d2) * 1e6) / 1e6;
    const body: VerifyResponse = {
      samePerson: distance <= threshold,
      distance,
      similarity: Math.round(dot * 1e6) / 1e6,
      threshold,
    };
    return c.json(body);
  });

  app.get("/galleries/:gallery/export", admin, async (c) => {
    const gallery = galleryName(c.req.param("gallery"));
    const stub = galleryStub(c.env, gallery);
    const first = await stub.exportPage(null, EXPORT_PAGE_FACES);
    const embedder = first.embedder ?? embedderOf((await faceModel(runtime, c.env)).metadata);
    return new Response(exportStream(stub, gallery, embedder, first.faces), {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="${gallery}.gallery.json"`,
      },
    });
  });

  app.post("/galleries/:gallery/import", admin, async (c) => {
    const gc = readGalleryConfig(c.env);
    const bytes = await readBodyWithLimit(c.req.raw, gc.maxImportBytes).catch((err: unknown) => {
      if (isMarqueeError(err, "image_too_large")) {
        throw new MarqueeError(
          "payload_too_large",
          `${err.message.replace(/^The body/, "The import")} (GALLERY_MAX_IMPORT_BYTES); split it into several imports.`,
        );
      }
      throw err;
    });
    const gallery = galleryName(c.req.param("gallery"));
    const replace = replaceOption(c.req.query("replace"));
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new MarqueeError(
        "bad_request",
        "The import body is not JSON; send what GET /galleries/{gallery}/export wrote.",
      );
    }
    const doc = parseGalleryExport(json);
    const served = embedderOf((await faceModel(runtime, c.env)).metadata);
    if (
      doc.embedder.name !== served.name ||
      doc.embedder.version !== served.version ||
      doc.embedder.dimensions !== served.dimensions
    ) {
      throw new MarqueeError(
        "embedder_mismatch",
        `The import holds embeddings of ${doc.embedder.name} ${doc.embedder.version} (${doc.embedder.dimensions}-d); this worker embeds faces with ${served.name} ${served.version} (${served.dimensions}-d). They cannot be compared: re-enrol the photos instead.`,
      );
    }
    const people = doc.people.map((p, i) => ({
      person: personName(p.person),
      faces: p.faces.map((f, j) => ({
        embedding: decodeEmbedding(f.embedding, served.dimensions, `people[${i}].faces[${j}].embedding`),
        box: f.box ?? null,
        ...(f.createdAt ? { createdAt: f.createdAt } : {}),
      })),
    }));
    const value = unwrap(
      await galleryStub(c.env, gallery).importPeople({
        gallery,
        embedder: served,
        people,
        replace,
        limits: writeLimits(gc),
      }),
    );
    const body: ImportResponse = { gallery, ...value };
    return c.json(body);
  });

  for (const [path, allow] of Object.entries(GALLERY_ROUTES)) {
    app.all(path, (c) =>
      jsonError("method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, {
        Allow: allow,
      }),
    );
  }
  return app;
}

/** The gallery's Durable Object, or a 503 when the binding is missing. */
function galleryStub(env: WorkerEnv, gallery: string): Stub<GalleryApi> {
  if (!env.GALLERIES) {
    throw new MarqueeError(
      "gallery_unavailable",
      "Galleries are not configured: wrangler.toml needs the GALLERIES Durable Object binding (class GalleryObject).",
    );
  }
  return env.GALLERIES.get(env.GALLERIES.idFromName(gallery));
}

/**
 * Parse `?threshold=`: absent means the default; otherwise a number within {@link THRESHOLD_BOUNDS}.
 *
 * @example
 * parseThreshold("0.45", 0.5); // 0.45
 */
export function parseThreshold(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = /^[0-9]*\.?[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= THRESHOLD_BOUNDS.min && value <= THRESHOLD_BOUNDS.max)) {
    throw new MarqueeError(
      "bad_request",
      `threshold must be a number from ${THRESHOLD_BOUNDS.min} to ${THRESHOLD_BOUNDS.max} (a euclidean distance between unit-length face embeddings), got "${raw.slice(0, 20)}".`,
    );
  }
  return value;
}

function faceOption(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  if (raw === "largest") return true;
  throw new MarqueeError("bad_request", `face must be "largest" (or absent), got "${raw.slice(0, 20)}".`);
}

function replaceOption(raw: string | undefined): boolean {
  if (raw === undefined || raw === "false") return false;
  if (raw === "true") return true;
  throw new MarqueeError("bad_request", `replace must be "true" or "false", got "${raw.slice(0, 20)}".`);
}

function writeLimits(gc: GalleryConfig) {
  return { maxFacesPerPerson: gc.maxFacesPerPerson, maxPeople: gc.maxPeople };
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new MarqueeError(result.error.code, result.error.message);
}

function where(label: string, count: number): string {
  return count > 1 ? `In ${label}, ` : "In the photo, ";
}

function withLabel(err: unknown, label: string, count: number): unknown {
  if (!isMarqueeError(err) || count < 2) return err;
  return new MarqueeError(err.code, `${label}: ${err.message}`);
}

function round(box: FractionBox): FractionBox {
  const r = (v: number) => Math.round(v * 1e4) / 1e4;
  return { left: r(box.left), top: r(box.top), width: r(box.width), height: r(box.height) };
}

function ms(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The export document, streamed page by page so a large gallery never sits whole in memory. */
function exportStream(
  stub: Stub<GalleryApi>,
  gallery: string,
  embedder: EmbedderId,
  firstPage: Awaited<ReturnType<Stub<GalleryApi>["exportPage"]>>["faces"],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const head = {
    format: GALLERY_EXPORT_FORMAT,
    formatVersion: GALLERY_EXPORT_VERSION,
    gallery,
    exportedAt: new Date().toISOString(),
    embedder,
  };
  let page = firstPage;
  let person: string | null = null;
  let started = false;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`${JSON.stringify(head).slice(0, -1)},"people":[`));
      }
      if (done) return;
      let text = "";
      for (const face of page) {
        if (face.person !== person) {
          text += `${person === null ? "" : "]},"}{"person":${JSON.stringify(face.person)},"faces":[`;
          person = face.person;
        } else text += ",";
        text += JSON.stringify({
          embedding: encodeEmbedding(face.embedding),
          ...(face.box ? { box: face.box } : {}),
          createdAt: face.createdAt,
        });
      }
      const last = page[page.length - 1];
      if (page.length < EXPORT_PAGE_FACES || !last) {
        text += `${person === null ? "" : "]}"}]}`;
        controller.enqueue(encoder.encode(text));
        controller.close();
        done = true;
        return;
      }
      controller.enqueue(encoder.encode(text));
      page = (await stub.exportPage({ person: last.person, id: last.id }, EXPORT_PAGE_FACES)).faces;
    },
  });
}
