/** Shared bits of the face probes: arguments, wasm + nets, image reading, the on-disk cache. */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { RgbImage } from "@marquee/shared";
import {
  type BlazeFaceParams,
  type FaceModels,
  type FacePolicy,
  type FaceresParams,
  type FoundFaces,
  findFaces,
  type LoadedNet,
  loadBlazeFace,
  loadFaceModels,
  loadFaceres,
  servingFacePolicy,
} from "@marquee/shared/face";
import { nodeFaceWeightSource, nodeHumanWeightSource } from "@marquee/shared/node";
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { initWasmBackend } from "../../src/backend/wasm-node.ts";

const args = process.argv.slice(2);

/** `--name value` from the command line, or the fallback. */
export function opt(name: string, fallback?: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

/** `--name value` that must be given. */
export function required(name: string): string {
  const v = opt(name);
  if (!v) throw new Error(`${name} is required`);
  return resolve(v);
}

/** Cache folder (default /tmp/marquee-probe-cache). */
export const cacheRoot = resolve(opt("--cache", "/tmp/marquee-probe-cache")!);

/** Everything the probes run: face-api's nets (tiny or SSD) plus BlazeFace back and faceres. */
export interface ProbeNets {
  tiny: FaceModels;
  blazeface: LoadedNet<BlazeFaceParams>;
  faceres: LoadedNet<FaceresParams>;
}

/** Starts the wasm backend and loads the nets. */
export async function loadProbeNets(): Promise<ProbeNets> {
  await initWasmBackend();
  const tiny = await loadFaceModels(nodeFaceWeightSource(), { detector: "tiny" });
  const blazeface = await loadBlazeFace(nodeHumanWeightSource());
  const faceres = await loadFaceres(nodeHumanWeightSource());
  return { tiny, blazeface, faceres };
}

/** Bytes of the wasm backend's heap (it only grows). */
export function wasmHeapBytes(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm?.HEAPU8.buffer.byteLength ?? 0;
}

/** Decodes a photo (EXIF-rotated) to RGB with sharp. */
export async function readRgbFile(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** sha256 of a file's bytes. */
export async function sha256File(file: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
}

/** A JSON cache under {@link cacheRoot}/<space>/<key>.json (atomic writes). */
export class JsonCache<T> {
  constructor(readonly space: string) {}
  path(key: string): string {
    return join(cacheRoot, this.space, key.slice(0, 2), `${key}.json`);
  }
  async get(key: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.path(key), "utf8")) as T;
    } catch {
      return null;
    }
  }
  async set(key: string, value: T): Promise<void> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(`${p}.${process.pid}.tmp`, JSON.stringify(value));
    await rename(`${p}.${process.pid}.tmp`, p);
  }
}

/** Median of numbers (0 for none). */
export function median(values: readonly number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Percent with one decimal. */
export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** The probes' detector options (phase 1's findFacesV2 options, now mapped onto a FacePolicy). */
export interface ProbeFindOptions
  extends Partial<
    Pick<
      FacePolicy,
      "maxFaces" | "minFaceFraction" | "minFaceInput" | "tiles" | "scaledPass" | "padRetry" | "landmarks"
    >
  > {
  /** BlazeFace params, or face-api's tiny detector (held by `tinyModels`) at `inputSize`. */
  detector: { kind: "blazeface"; params: BlazeFaceParams } | { kind: "face-api"; inputSize: number };
  minScore?: number;
  tileMinScore?: number;
}

/**
 * shared's findFaces with a probe's detector: BlazeFace swapped into face-api's nets, or face-api's
 * tiny detector; unset options are the served policy's (minimum score 0.5 for face-api).
 */
export function probeFindFaces(
  tinyModels: FaceModels,
  image: RgbImage,
  o: ProbeFindOptions,
): Promise<FoundFaces> {
  const { detector, minScore, tileMinScore, ...rest } = o;
  const blaze = detector.kind === "blazeface";
  const models: FaceModels = blaze
    ? { ...tinyModels, detector: { kind: "blazeface", params: detector.params } }
    : tinyModels;
  return findFaces(
    models,
    image,
    servingFacePolicy({
      ...rest,
      detector: blaze ? "blazeface" : "tiny",
      ...(blaze ? {} : { inputSize: detector.inputSize }),
      minScore: minScore ?? (blaze ? 0.6 : 0.5),
      scaledMinScore: tileMinScore,
    }),
  );
}
