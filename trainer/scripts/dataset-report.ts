/**
 * Measure what the data pipeline does on a real folder: counts, skipped files, duplicate
 * groups (exact vs near), cross-class copies, split sizes, leakage of a naive split vs ours,
 * and the time to fill the decode cache.
 *
 *   pnpm tsx scripts/dataset-report.ts <data dir> [--image-size 224] [--cache-dir DIR] [--distances] [--grid out.png] [--against other-dir]
 *
 * --distances also prints the perceptual-hash distance distribution between distinct photos,
 * the evidence for DEFAULT_NEAR_DUPLICATES.maxDistance.
 */
import { parseArgs } from "node:util";
import {
  type DatasetFile,
  displayPath,
  findCrossDuplicates,
  hammingDistance,
  loadImageDataset,
  type PerceptualHashes,
  silentLog,
  writeSampleGrid,
} from "../src/data/index.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "image-size": { type: "string", default: "224" },
    "cache-dir": { type: "string" },
    "max-distance": { type: "string" },
    distances: { type: "boolean", default: false },
    grid: { type: "string" },
    against: { type: "string" },
    "read-epoch": { type: "boolean", default: true },
  },
});
const dir = positionals[0];
if (!dir) {
  console.error("usage: dataset-report.ts <data dir> [--image-size 224] [--cache-dir DIR] [--distances]");
  process.exit(2);
}
const imageSize = Number(values["image-size"]);

const started = performance.now();
const ds = await loadImageDataset(dir, {
  imageSize,
  cacheDir: values["cache-dir"],
  nearDuplicates: values["max-distance"] ? { maxDistance: Number(values["max-distance"]) } : {},
});
const loadSeconds = (performance.now() - started) / 1000;

const d = ds.duplicates;
console.log("\n== report ==");
console.log(`images usable:           ${ds.files.length}`);
console.log(`classes:                 ${ds.classNames.length}`);
console.log(`skipped:                 ${ds.skipped.length}`);
for (const s of ds.skipped) console.log(`  ${displayPath(ds.root, s.path)}: ${s.reason}`);
console.log(
  `duplicate groups:        ${d.groups.length} (${d.exactGroups} byte-identical only, ${d.nearGroups} with near copies)`,
);
console.log(
  `files in groups:         ${d.filesInDuplicateGroups} (${d.redundantFiles} beyond the first of each group)`,
);
const exactExtra = ds.files.length - new Set(ds.files.map((f) => f.sha256)).size;
console.log(`byte-identical extras:   ${exactExtra}`);
console.log(
  `near pairs (pHash):      ${d.nearPairs.length} [distances ${d.nearPairs.map((p) => p.distance).join(",")}]`,
);
console.log(`cross-class groups:      ${d.crossClassGroups.length}`);
for (const g of d.crossClassGroups) {
  console.log(`  ${g.members.map((m) => displayPath(ds.root, ds.files[m]!.path)).join(" | ")}`);
}
const perClass = (files: DatasetFile[]) =>
  ds.classNames.map((_, c) => files.filter((f) => f.classIndex === c).length).join(" ");
console.log(`train / validation:      ${ds.split.train.length} / ${ds.split.validation.length}`);
console.log(`  val per class:         ${perClass(ds.split.validation)}`);
console.log(
  `naive 10% split leaks:   ${ds.leakage.naive.groupLeaks} of ${ds.leakage.naive.validationImages} val images have a duplicate in train (${ds.leakage.naive.exactLeaks} byte-identical)`,
);
console.log(
  `our split leaks:         ${ds.leakage.ours.groupLeaks} of ${ds.leakage.ours.validationImages} (${ds.leakage.ours.exactLeaks} byte-identical)`,
);
console.log(`fingerprint:             ${ds.fingerprint}`);
console.log(`cache:                   ${ds.cache.specDir}`);
console.log(
  `cache fill (decode):     ${ds.decodeSeconds.toFixed(1)} s at ${imageSize}×${imageSize}; total load ${loadSeconds.toFixed(1)} s`,
);

if (values["read-epoch"]) {
  // Three epochs: if batches were retained, the peak would grow with each one.
  const train = ds.trainBatches({ batchSize: 32 });
  const mb = (x: number) => `${(x / 1024 / 1024).toFixed(0)} MB`;
  const rssBefore = process.memoryUsage().rss;
  const peaks: string[] = [];
  let seconds = 0;
  let n = 0;
  for (let epoch = 0; epoch < 3; epoch++) {
    const t0 = performance.now();
    let rssPeak = 0;
    for await (const b of train.epoch(epoch)) {
      n += b.size;
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    seconds += (performance.now() - t0) / 1000;
    peaks.push(mb(rssPeak));
  }
  const epochBytes = ds.split.train.length * ds.cache.sampleLength * 4;
  console.log(
    `memory over 3 epochs:    RSS ${mb(rssBefore)} before, peaks ${peaks.join(" / ")}; one epoch's pixels total ${mb(epochBytes)}`,
  );
  console.log(
    `warm epoch read:         ${n} images in ${seconds.toFixed(2)} s (${((seconds / n) * 1000).toFixed(2)} ms/img) from the cache`,
  );
}

if (values.grid) {
  const grid = await writeSampleGrid(ds.split.train, ds.classNames, values.grid);
  console.log(`sample grid:             ${values.grid} (${grid.width}×${grid.height}, ${grid.count} images)`);
}

if (values.against) {
  const other = await loadImageDataset(values.against, {
    imageSize,
    cacheDir: values["cache-dir"],
    log: silentLog,
  });
  const shared = findCrossDuplicates(ds.files, ds.hashes, other.files, other.hashes);
  console.log(`shared with ${values.against}: ${shared.length} pair(s)`);
  for (const p of shared) {
    console.log(
      `  ${displayPath(ds.root, ds.files[p.a]!.path)} = ${displayPath(other.root, other.files[p.b]!.path)} (${p.exact ? "byte-identical" : `pHash distance ${p.distance}`})`,
    );
  }
}

if (values.distances) printDistances(ds.files, ds.hashes, ds.classNames, ds.root);

function printDistances(
  files: DatasetFile[],
  hashes: PerceptualHashes[],
  classNames: string[],
  root: string,
) {
  // One representative per distinct content: byte-identical copies would only add zeros.
  const reps: number[] = [];
  const seen = new Set<string>();
  for (const [i, f] of files.entries()) {
    if (!seen.has(f.sha256)) {
      seen.add(f.sha256);
      reps.push(i);
    }
  }
  for (const kind of ["dct", "difference"] as const) {
    const same = new Array<number>(65).fill(0);
    const cross = new Array<number>(65).fill(0);
    const close: string[] = [];
    for (let a = 0; a < reps.length; a++) {
      for (let b = a + 1; b < reps.length; b++) {
        const i = reps[a]!;
        const j = reps[b]!;
        const dist = hammingDistance(hashes[i]![kind], hashes[j]![kind]);
        (files[i]!.classIndex === files[j]!.classIndex ? same : cross)[dist]!++;
        if (dist <= 16) {
          close.push(
            `  ${String(dist).padStart(2)}  ${displayPath(root, files[i]!.path)}  ~  ${displayPath(root, files[j]!.path)}${files[i]!.classIndex !== files[j]!.classIndex ? "  [cross-class]" : ""}`,
          );
        }
      }
    }
    console.log(`\n== ${kind} hash: pairs of distinct contents by Hamming distance (0..20) ==`);
    console.log("dist  same-class  cross-class");
    for (let k = 0; k <= 20; k++)
      console.log(
        `${String(k).padStart(4)}  ${String(same[k]).padStart(10)}  ${String(cross[k]).padStart(11)}`,
      );
    const total = same.reduce((x, y) => x + y, 0) + cross.reduce((x, y) => x + y, 0);
    console.log(`(${total} pairs of ${reps.length} distinct contents; ${classNames.length} classes)`);
    console.log(`pairs at distance ≤ 16:`);
    console.log(close.sort().join("\n"));
  }
}
