// `pnpm gallery import|export|seed`: fill, save and seed a worker's face gallery through its HTTP API.
import { createWriteStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import type { EnrolResponse, ErrorResponse, HealthResponse, ImportResponse } from "@marquee/shared";
import { MarqueeError } from "@marquee/shared";
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError } from "commander";
import sharp from "sharp";
import { centroidGallery } from "../gallery/model-centroids.ts";
import { runCli } from "./run-cli.ts";

const PHOTO = /\.(jpe?g|png|webp|gif)$/i;

// commander parser for a whole number of at least `min`, naming the flag when it is not one.
function integerOption(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be a whole number of at least ${min} (got ${value}).`);
    }
    return n;
  };
}

const program = new Command()
  .name("pnpm gallery")
  .description(
    "Teach a Marquee worker's gallery people from photo folders, save it as JSON, or seed it with a face model's people.",
  );

program
  .command("import")
  .description("enrol a folder of person folders (DIR/<person>/*.jpg), or restore an export (--json FILE)")
  .option("--data <dir>", "one sub-folder of photos per person, named after them")
  .option("--json <file>", "a gallery export (pnpm gallery export) to import instead")
  .requiredOption("--url <url>", "the worker, e.g. http://localhost:8787")
  .option("--gallery <name>", "gallery name", "default")
  .option("--admin-key <key>", "MARQUEE_ADMIN_KEY of the worker (default: $MARQUEE_ADMIN_KEY)")
  .option("--largest", "enrol the largest face of photos showing several (?face=largest)", false)
  .option("--concurrency <n>", "requests in flight", integerOption("--concurrency", 1), 2)
  .action(async (o) => {
    if (Boolean(o.data) === Boolean(o.json))
      throw new MarqueeError("bad_request", "pass exactly one of --data DIR or --json FILE");
    process.exitCode = o.json ? await importJson(o) : await importFolders(o);
  });

program
  .command("export")
  .description("write a gallery's JSON (people, embeddings, embedder name and version)")
  .requiredOption("--url <url>", "the worker, e.g. http://localhost:8787")
  .option("--gallery <name>", "gallery name", "default")
  .option("--out <file>", "output file (default <gallery>.gallery.json)")
  .option("--admin-key <key>", "MARQUEE_ADMIN_KEY of the worker (default: $MARQUEE_ADMIN_KEY)")
  .action(async (o) => {
    const out = resolve(o.out ?? `${o.gallery}.gallery.json`);
    const response = await fetch(`${base(o.url)}/galleries/${o.gallery}/export`, {
      headers: adminHeaders(o),
    });
    if (!response.ok || !response.body) throw await apiError(response);
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      createWriteStream(out),
    );
    console.log(`wrote ${out}`);
  });

program
  .command("seed")
  .description("seed a gallery with a face model's people: one face each, their class centroid")
  .requiredOption("--url <url>", "the worker, e.g. http://localhost:8787")
  .option("--gallery <name>", "gallery name", "celebs")
  .option(
    "--model-dir <dir>",
    "face model export",
    fileURLToPath(new URL("../../../models/default", import.meta.url)),
  )
  .option("--replace", "replace the gallery's content instead of adding to it", false)
  .option("--admin-key <key>", "MARQUEE_ADMIN_KEY of the worker (default: $MARQUEE_ADMIN_KEY)")
  .action(async (o) => {
    const doc = await centroidGallery(resolve(o.modelDir), o.gallery);
    const result = await postImport(o, JSON.stringify(doc), o.replace);
    console.log(
      `seeded "${result.gallery}" with ${result.people} people (${result.added} centroids); it now holds ${result.total} faces`,
    );
  });

interface Common {
  url: string;
  gallery: string;
  adminKey?: string;
}

async function importFolders(
  o: Common & { data: string; largest: boolean; concurrency: number },
): Promise<number> {
  const root = resolve(o.data);
  const jobs: { person: string; file: string }[] = [];
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) continue;
    for (const f of (await readdir(join(root, entry.name))).sort()) {
      if (PHOTO.test(f)) jobs.push({ person: entry.name, file: join(root, entry.name, f) });
    }
  }
  if (jobs.length === 0) throw new MarqueeError("bad_request", `${root} has no person folders with photos`);
  const health = (await (await fetch(`${base(o.url)}/health`)).json()) as HealthResponse;
  const maxMegapixels = Math.min(health.limits?.maxMegapixels ?? 2, 2) * 0.95;
  const bar = new SingleBar({
    format: "enrolling [{bar}] {value}/{total} photos | {person}",
    hideCursor: true,
  });
  bar.start(jobs.length, 0, { person: "" });
  const refused: { file: string; code: string; message: string }[] = [];
  const people = new Set<string>();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const job = jobs[next++];
      if (!job) return;
      try {
        const body = await shrink(await readFile(job.file), maxMegapixels);
        const url = `${base(o.url)}/galleries/${o.gallery}/people/${encodeURIComponent(job.person)}/faces${o.largest ? "?face=largest" : ""}`;
        const response = await fetch(url, { method: "POST", body, headers: adminHeaders(o) });
        if (response.status === 401 || response.status === 403) throw await apiError(response);
        if (!response.ok) {
          const err = await apiError(response);
          refused.push({ file: job.file, code: err.code, message: err.message });
        } else {
          (await response.json()) as EnrolResponse;
          people.add(job.person);
        }
      } catch (err) {
        if (err instanceof MarqueeError && (err.code === "unauthorized" || err.code === "forbidden"))
          throw err;
        refused.push({ file: job.file, code: "client_error", message: (err as Error).message });
      }
      bar.increment(1, { person: job.person });
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  } finally {
    bar.stop();
  }
  const enrolled = jobs.length - refused.length;
  console.log(`enrolled ${enrolled} of ${jobs.length} photos (${people.size} people) into "${o.gallery}"`);
  if (refused.length) {
    const byCode = new Map<string, typeof refused>();
    for (const r of refused) byCode.set(r.code, [...(byCode.get(r.code) ?? []), r]);
    console.log(`refused ${refused.length}:`);
    for (const [code, list] of byCode) {
      console.log(`  ${code} (${list.length}):`);
      for (const r of list.slice(0, 10)) console.log(`    ${r.file}: ${r.message}`);
      if (list.length > 10) console.log(`    … and ${list.length - 10} more`);
    }
  }
  return enrolled > 0 ? 0 : 1;
}

async function importJson(o: Common & { json: string }): Promise<number> {
  const result = await postImport(o, await readFile(resolve(o.json), "utf8"), false);
  console.log(
    `imported ${result.added} faces of ${result.people} people into "${result.gallery}" (${result.total} faces now)`,
  );
  return 0;
}

async function postImport(o: Common, body: string, replace: boolean): Promise<ImportResponse> {
  const response = await fetch(
    `${base(o.url)}/galleries/${o.gallery}/import${replace ? "?replace=true" : ""}`,
    {
      method: "POST",
      body,
      headers: { ...adminHeaders(o), "content-type": "application/json" },
    },
  );
  if (!response.ok) throw await apiError(response);
  return (await response.json()) as ImportResponse;
}

/** Photos above the worker's face cap are shrunk (as the page does) rather than refused. */
async function shrink(bytes: Buffer, maxMegapixels: number): Promise<Uint8Array<ArrayBuffer>> {
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => null);
  if (!meta?.width || !meta.height || meta.width * meta.height <= maxMegapixels * 1e6)
    return new Uint8Array(bytes);
  const scale = Math.sqrt((maxMegapixels * 1e6) / (meta.width * meta.height));
  return new Uint8Array(
    await sharp(bytes)
      .rotate()
      .resize(Math.floor(meta.width * scale))
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
}

function adminHeaders(o: { adminKey?: string }): Record<string, string> {
  const key = o.adminKey ?? process.env.MARQUEE_ADMIN_KEY;
  return key ? { authorization: `Bearer ${key}` } : {};
}

function base(url: string): string {
  return url.replace(/\/+$/, "");
}

async function apiError(response: Response): Promise<MarqueeError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as ErrorResponse;
    return new MarqueeError(error.code, `${error.message} (HTTP ${response.status})`);
  } catch {
    return new MarqueeError("internal_error", `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}

runCli(async () => {
  await program.parseAsync();
  return typeof process.exitCode === "number" ? process.exitCode : 0;
});
