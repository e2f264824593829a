/**
 * Identify every photo of person folders against a running worker's gallery and count accepted
 * and correct, unknown and wrong answers (measurement only; the photos are not in the repo).
 * Folders not among the gallery's people count as strangers (their photos should be unknown).
 *
 *   pnpm tsx edge/scripts/gallery-identify-folders.ts --url http://localhost:8787 --gallery celebs \
 *       --data /work/shared/datasets/celeb17 [--last 10] [--threshold 0.4]
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { IdentifyResponse, PeopleResponse } from "@marquee/shared";

const args = process.argv.slice(2);
const opt = (name: string, fallback?: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback;
const url = (opt("--url", "http://localhost:8787") as string).replace(/\/+$/, "");
const gallery = opt("--gallery", "default") as string;
const data = resolve(opt("--data") ?? ".");
const last = Number(opt("--last", "10"));
const threshold = opt("--threshold");

const people = new Set(
  ((await (await fetch(`${url}/galleries/${gallery}/people`)).json()) as PeopleResponse).people.map(
    (p) => p.person,
  ),
);
const tally = { correct: 0, unknown: 0, wrong: 0, noFace: 0, strangers: 0, strangersRejected: 0 };
const times: number[] = [];
for (const name of (await readdir(data)).sort()) {
  const files = (await readdir(join(data, name))).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  for (const file of files.slice(-last)) {
    const started = performance.now();
    const response = await fetch(
      `${url}/galleries/${gallery}/identify${threshold ? `?threshold=${threshold}` : ""}`,
      {
        method: "POST",
        body: await readFile(join(data, name, file)),
      },
    );
    times.push(performance.now() - started);
    if (!response.ok) {
      console.error(`${name}/${file}: HTTP ${response.status} ${await response.text()}`);
      continue;
    }
    const face = ((await response.json()) as IdentifyResponse).faces[0];
    if (!people.has(name)) {
      tally.strangers++;
      if (!face || face.label === "unknown") tally.strangersRejected++;
    } else if (!face) tally.noFace++;
    else if (face.label === name) tally.correct++;
    else if (face.label === "unknown") tally.unknown++;
    else tally.wrong++;
  }
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({ gallery, ...tally, medianMs: Math.round(times[Math.floor(times.length / 2)] ?? 0) }),
);
