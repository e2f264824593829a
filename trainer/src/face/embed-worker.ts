/**
 * Worker-thread side of {@link EmbedPool}: its own wasm backend and its own copy of the face nets,
 * so two workers embed two photos at once (tfjs' wasm backend is single-threaded in Node).
 */
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { initWasmBackend } from "../backend/wasm-node.ts";
import { embedPhoto } from "./embed-photo.ts";
import type { EmbedJob, EmbedReply } from "./embed-pool.ts";
import { type FacePipelineConfig, loadPipelineModels } from "./face-pipeline.ts";

const config = (workerData as { config: FacePipelineConfig }).config;

async function start() {
  await initWasmBackend();
  await useNodeWasmDecoders();
  const models = await loadPipelineModels(config);
  parentPort!.on("message", async (job: EmbedJob) => {
    let reply: EmbedReply;
    try {
      const bytes = new Uint8Array(await readFile(job.path));
      reply = { id: job.id, result: await embedPhoto(models, bytes, config, job.hashes) };
    } catch (err) {
      reply = { id: job.id, result: { status: "error", reason: (err as Error).message } };
    }
    parentPort!.postMessage(reply);
  });
  parentPort!.postMessage({ ready: true });
}

start().catch((err) => {
  parentPort!.postMessage({ failed: (err as Error).message });
});
