/**
 * Folder-level import cycles in a source tree (madge finds file-level ones): every relative import
 * from one top-level folder of `src/` into another is an edge; prints the edges and any cycle, and
 * exits 1 when there is one.
 *
 *   pnpm tsx trainer/scripts/folder-cycles.ts [trainer/src]
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";

const root = process.argv[2] ?? "trainer/src";
const top = (path: string) => (path.includes(sep) ? path.split(sep)[0]! : ".");
const edges = new Map<string, Set<string>>();
const IMPORT = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

for (const path of readdirSync(root, { recursive: true, encoding: "utf8" })) {
  if (!path.endsWith(".ts")) continue;
  const file = join(root, path);
  const from = top(relative(root, file));
  for (const [, spec] of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const to = top(relative(root, normalize(join(dirname(file), spec!))));
    if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
  }
}
for (const [from, to] of [...edges].sort()) console.log(`${from.padEnd(12)} -> ${[...to].sort().join(", ")}`);

const cycles: string[][] = [];
const walk = (start: string, node: string, path: string[]) => {
  for (const next of edges.get(node) ?? []) {
    if (next === start) cycles.push([...path, start]);
    else if (!path.includes(next) && next > start) walk(start, next, [...path, next]);
  }
};
for (const start of edges.keys()) walk(start, start, [start]);
console.log(
  cycles.length
    ? `folder cycles:\n${cycles.map((c) => `  ${c.join(" -> ")}`).join("\n")}`
    : "folder cycles: none",
);
process.exit(cycles.length ? 1 : 0);
