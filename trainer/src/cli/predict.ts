// `pnpm predict [--model-dir DIR] photo.jpg|folder [more…] [--json] [--top-k N]`: classify photos with an export.
import { fileURLToPath } from "node:url";
import { predictMain } from "./predict-main.ts";
import { runCli } from "./run-cli.ts";

const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../../models/default", import.meta.url));

runCli(() => predictMain(process.argv.slice(2), { defaultModelDir: DEFAULT_MODEL_DIR }));
