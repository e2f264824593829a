import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import { writeFileDurable } from "../util/durable-fs.ts";

/** A tensor with a name, as tfjs' weight encoders take them. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Write named tensors as `NAME.json` (tfjs weight specs) plus `NAME.bin` (their bytes, tfjs' encoding).
 * Used for checkpoints: full float32 precision, nothing quantised.
 */
export async function writeTensorBundle(dir: string, name: string, tensors: NamedTensor[]): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await writeFileDurable(join(dir, `${name}.bin`), new Uint8Array(data));
  await writeFileDurable(join(dir, `${name}.json`), JSON.stringify({ byteLength: data.byteLength, specs }));
}

/** Read a bundle written by {@link writeTensorBundle}, in its original order; throws `invalid_metadata` if short. */
export async function readTensorBundle(dir: string, name: string): Promise<NamedTensor[]> {
  const manifest = JSON.parse(await readFile(join(dir, `${name}.json`), "utf8")) as {
    byteLength: number;
    specs: tf.io.WeightsManifestEntry[];
  };
  const bytes = await readFile(join(dir, `${name}.bin`));
  if (bytes.byteLength !== manifest.byteLength) {
    throw new MarqueeError(
      "invalid_metadata",
      `${join(dir, `${name}.bin`)} has ${bytes.byteLength} bytes; its manifest expects ${manifest.byteLength}.`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const map = tf.io.decodeWeights(buffer, manifest.specs);
  return manifest.specs.map((s) => ({ name: s.name, tensor: map[s.name]! }));
}
