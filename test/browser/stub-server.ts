// A stand-in for the edge worker, for testing the page's logic deterministically and fast: it
// serves edge/public with the worker's own CSP and security headers, and answers /predict, /model and
// /health in the worker's API shapes (issues 4 and 5). Images are checked with the shared
// package's header reader, so "not an image" and "too large" get the worker's real codes.
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { PAGE_SECURITY_HEADERS } from "@marquee/edge/security-headers";
import {
  checkImageLimits,
  type DecodeLimits,
  type ErrorCode,
  type FacePrediction,
  type HealthResponse,
  httpStatusFor,
  type ImageHeader,
  isMarqueeError,
  type ModelMetadata,
  type PredictResponse,
  readImageHeader,
} from "@marquee/shared";
import { REPO_DIR } from "../helpers/paths.ts";

/** The page's folder, served at `/`. */
export const PUBLIC_DIR = join(REPO_DIR, "edge", "public");

/** One face in a /predict answer (the worker's own type, so the stub follows the contract). */
export type StubFace = FacePrediction;

/** Three faces placed where face-api's detector finds them in sample1.jpg (1920×1280), largest first. */
export const SAMPLE1_FACES: StubFace[] = [
  {
    box: { left: 0.7679, top: 0.1549, width: 0.105, height: 0.1858 },
    detectionScore: 0.988,
    label: "Ada Lovelace",
    score: 0.971,
    predictions: [
      { label: "Ada Lovelace", score: 0.971 },
      { label: "Grace Hopper", score: 0.017 },
      { label: "Alan Turing", score: 0.008 },
      { label: "Katherine Johnson", score: 0.003 },
      { label: "Claude Shannon", score: 0.001 },
    ],
  },
  {
    box: { left: 0.4365, top: 0.3266, width: 0.0987, height: 0.1762 },
    detectionScore: 0.989,
    label: "unknown",
    score: 0.412,
    predictions: [
      { label: "Grace Hopper", score: 0.412 },
      { label: "Claude Shannon", score: 0.301 },
      { label: "Alan Turing", score: 0.151 },
      { label: "Ada Lovelace", score: 0.09 },
      { label: "Katherine Johnson", score: 0.046 },
    ],
  },
  {
    box: { left: 0.2146, top: 0.2765, width: 0.0931, height: 0.1868 },
    detectionScore: 0.996,
    label: "Alan Turing",
    score: 0.884,
    predictions: [
      { label: "Alan Turing", score: 0.884 },
      { label: "Claude Shannon", score: 0.061 },
      { label: "Grace Hopper", score: 0.032 },
      { label: "Ada Lovelace", score: 0.015 },
      { label: "Katherine Johnson", score: 0.008 },
    ],
  },
];

const FACE_LABELS = ["Ada Lovelace", "Alan Turing", "Claude Shannon", "Grace Hopper", "Katherine Johnson"];
const IMAGE_LABELS = ["cat", "dog", "fox", "owl"];

/** What the stub answers; change it between tests with {@link StubServer.configure}. */
export interface StubBehaviour {
  pipeline: "face" | "image";
  /** Faces for every accepted image (face pipeline); [] means "no face found". */
  faces: StubFace[];
  /** Limits enforced by /predict and reported by /health; null leaves them out of /health. */
  limits: DecodeLimits;
  reportLimits: boolean;
  /** When set, /model, /health and /predict fail with this code (e.g. model_unavailable). */
  modelError: { code: ErrorCode; message: string } | null;
  /** When set, /predict wants `Authorization: Bearer <apiKey>`. */
  apiKey: string | null;
}

/** One request that reached POST /predict. */
export interface RecordedUpload {
  contentType: string;
  authorization: string | undefined;
  byteLength: number;
  /** Null when the body is not an image the shared header reader accepts. */
  header: ImageHeader | null;
  status: number;
}

/** A running stub. */
export interface StubServer {
  /** Base URL, ending in `/`. */
  url: string;
  uploads: RecordedUpload[];
  configure(changes: Partial<StubBehaviour>): void;
  close(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: StubBehaviour = {
  pipeline: "face",
  faces: SAMPLE1_FACES,
  // wrangler.toml's [vars]: MAX_BYTES 10 MB, MAX_MEGAPIXELS 4.
  limits: { maxBytes: 10 * 1024 * 1024, maxMegapixels: 4 },
  reportLimits: true,
  modelError: null,
  apiKey: null,
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/**
 * Start the stub on a free loopback port.
 *
 * @example
 * const stub = await startStubServer();
 * await page.goto(stub.url);
 */
export async function startStubServer(initial: Partial<StubBehaviour> = {}): Promise<StubServer> {
  let behaviour: StubBehaviour = { ...DEFAULT_BEHAVIOUR, ...initial };
  const uploads: RecordedUpload[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendError(res, "internal_error", String(err));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://stub").pathname;
    if (path === "/predict") return predict(req, res);
    if (path === "/model") {
      if (req.method !== "GET") return sendError(res, "method_not_allowed", `${req.method} is not allowed`);
      if (behaviour.modelError)
        return sendError(res, behaviour.modelError.code, behaviour.modelError.message);
      return sendJson(res, 200, metadataFor(behaviour.pipeline));
    }
    if (path === "/health") {
      const loaded = behaviour.modelError === null;
      const health: Omit<HealthResponse, "limits"> & Partial<Pick<HealthResponse, "limits">> = {
        ok: loaded,
        model: loaded ? { loaded } : { loaded, error: behaviour.modelError! },
        backend: "wasm",
        simd: true,
        tensors: 0,
        wasmMemoryBytes: 0,
        // Left out to test the page against a worker that does not report them.
        ...(behaviour.reportLimits ? { limits: behaviour.limits } : {}),
      };
      return sendJson(res, loaded ? 200 : 503, health);
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      return sendError(res, "method_not_allowed", "Use GET.");
    return serveStatic(path, res);
  }

  async function predict(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return sendError(res, "method_not_allowed", `${req.method} is not allowed`);
    const body = await readBody(req);
    const upload: RecordedUpload = {
      contentType: req.headers["content-type"] ?? "",
      authorization: req.headers.authorization,
      byteLength: body.length,
      header: null,
      status: 200,
    };
    uploads.push(upload);
    const fail = (code: ErrorCode, message: string) => {
      upload.status = httpStatusFor(code);
      sendError(res, code, message);
    };
    if (behaviour.apiKey && req.headers.authorization !== `Bearer ${behaviour.apiKey}`) {
      return fail("unauthorized", "This server needs Authorization: Bearer <key>.");
    }
    if (behaviour.modelError) return fail(behaviour.modelError.code, behaviour.modelError.message);
    try {
      upload.header = readImageHeader(body);
      checkImageLimits(upload.header, body.length, behaviour.limits);
    } catch (err) {
      if (isMarqueeError(err)) return fail(err.code, err.message);
      throw err;
    }
    const { width, height, format } = upload.header;
    const model: PredictResponse["model"] = {
      name: `stub-${behaviour.pipeline}`,
      version: "1",
      pipeline: behaviour.pipeline,
    };
    const image = { width, height, format };
    const timingsMs = { decode: 12, preprocess: 3, inference: 20, total: 36 };
    if (behaviour.pipeline === "image") {
      const predictions = [
        { label: "fox", score: 0.62 },
        { label: "dog", score: 0.21 },
        { label: "cat", score: 0.12 },
        { label: "owl", score: 0.05 },
      ];
      const answer: PredictResponse = { predictions, model, image, timingsMs };
      return sendJson(res, 200, answer);
    }
    const faces = behaviour.faces;
    const answer: PredictResponse = {
      predictions: faces[0]?.predictions ?? [],
      faces,
      ...(faces.length === 0 ? { message: "No face found in the image." } : {}),
      model,
      image,
      timingsMs,
    };
    return sendJson(res, 200, answer);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    uploads,
    configure(changes) {
      behaviour = { ...behaviour, ...changes };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Serve a file of edge/public (with the page's security headers), or a JSON 404. */
export async function serveStatic(path: string, res: ServerResponse): Promise<void> {
  const relative = normalize(path === "/" ? "/index.html" : path);
  if (relative.includes("..")) return sendError(res, "not_found", "Nothing there.");
  let body: Buffer;
  try {
    body = await readFile(join(PUBLIC_DIR, relative));
  } catch {
    return sendError(res, "not_found", `Nothing lives at ${path}.`);
  }
  res.writeHead(200, {
    "Content-Type": CONTENT_TYPES[extname(relative)] ?? "application/octet-stream",
    "Content-Length": body.length,
    "Cache-Control": "no-store",
    ...PAGE_SECURITY_HEADERS,
  });
  res.end(body);
}

/** The whole request body. */
export async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, httpStatusFor(code), { error: { code, message } });
}

function metadataFor(pipeline: "face" | "image"): ModelMetadata {
  const labels = pipeline === "face" ? FACE_LABELS : IMAGE_LABELS;
  return {
    formatVersion: "1.0.0",
    name: pipeline === "face" ? "stub-celebs-face" : "stub-animals",
    version: "2026-11-27T12:00:00Z",
    createdAt: "2026-11-27T12:00:00Z",
    pipeline,
    architecture: pipeline === "face" ? "face-head" : "seed-cnn",
    labels,
    input: { width: pipeline === "face" ? 150 : 32, height: pipeline === "face" ? 150 : 32, channels: 3 },
    preprocessing: {
      resize: "bilinear",
      fit: "stretch",
      normalization: { kind: "scale", scale: 1 / 255, offset: 0 },
    },
    output: "logits",
    weights: { dtype: "float32", bytes: 1234 },
    ...(pipeline === "face"
      ? {
          face: {
            detector: part("ssd_mobilenetv1"),
            embedder: part("face_recognition"),
            embeddingSize: 128,
            minDetectionScore: 0.5,
            rejection: { kind: "probability" as const, threshold: 0.6 },
          },
        }
      : {}),
    dataset: {
      fingerprint: "0".repeat(64),
      images: 250,
      classes: labels.length,
      trainImages: 200,
      validationImages: 50,
      duplicateGroups: 0,
      validationSplit: 0.2,
      seed: 1,
    },
    training: {
      backend: "wasm",
      epochs: 10,
      bestEpoch: 9,
      batchSize: 32,
      optimizer: "adam",
      parameters: 1000,
      seconds: 12,
    },
    metrics: {
      valAccuracy: 0.992,
      valLoss: 0.03,
      trainAccuracy: 1,
      perClassAccuracy: Object.fromEntries(labels.map((label, i) => [label, 1 - i * 0.01])),
      ...(pipeline === "face" ? { knownAcceptedCorrect: 0.97, strangersRejected: 0.96 } : {}),
    },
  };
}

function part(name: string) {
  return {
    name,
    package: "@vladmandic/face-api",
    version: "1.7.15",
    path: `model/${name}.bin`,
    license: "MIT",
  };
}
