// Run by scan.test.ts in a child process as an unprivileged user, to test real EACCES.
import { scanDataset } from "./scan.ts";
import { silentLog } from "./types.ts";

const scan = await scanDataset(process.argv[2]!, { log: silentLog });
process.stdout.write(JSON.stringify({ files: scan.files.map((f) => f.path), skipped: scan.skipped }));
