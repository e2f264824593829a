// Run by image-cache.test.ts in a child process that gets SIGKILLed while filling the cache.
import { ImageCache } from "./image-cache.ts";
import { scanDataset } from "./scan.ts";
import { silentLog } from "./types.ts";

const [dataDir, cacheDir] = process.argv.slice(2) as [string, string];
const { files } = await scanDataset(dataDir, { log: silentLog });
const cache = new ImageCache({ dir: cacheDir, width: 160, height: 160 });
process.stdout.write("ready\n");
// Rewrite entries forever so the kill lands mid-write with high probability.
for (;;) {
  for (const f of files) await cache.compute(f);
}
