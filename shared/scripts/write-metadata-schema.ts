/// <reference types="node" />
// Regenerates shared/schema/metadata.schema.json from the zod schema, the single source of truth.
// Run after changing shared/src/artifact/metadata.ts: `pnpm tsx shared/scripts/write-metadata-schema.ts`
// (a test fails while the committed file is stale).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { modelMetadataJsonSchema } from "../src/artifact/metadata.ts";

const target = fileURLToPath(new URL("../schema/metadata.schema.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(modelMetadataJsonSchema(), null, 2)}\n`);
// Format as `pnpm lint` expects, so regenerating never leaves the tree failing the lint check.
const format = spawnSync("pnpm", ["exec", "biome", "format", "--write", target], { stdio: "inherit" });
if (format.status !== 0) process.exitCode = 1;
console.log(`wrote ${target}`);
