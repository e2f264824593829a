// `pnpm start --port N`, `pnpm start -- --port N`, `npm start -- --port N`, `npm start --port N` and
// `PORT=N pnpm start` must all choose port N (the start script used to hard-code 8787).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_DIR } from "../helpers/paths.ts";

type StartArgs = { port: number; model: string | undefined; rest: string[] };
type Parse = (argv: string[], env: Record<string, string | undefined>) => StartArgs;
// A path held in a variable: scripts/ is plain JavaScript without type declarations.
const startScript = `${REPO_DIR}/scripts/start.mjs`;
const { parseStartArgs } = (await import(startScript)) as { parseStartArgs: Parse; DEFAULT_PORT: number };

describe("parseStartArgs", () => {
  it("defaults to 8787", () => {
    expect(parseStartArgs([], {})).toEqual({ port: 8787, model: undefined, rest: [] });
  });
  it("takes --port N and --port=N, with or without the -- pnpm passes on", () => {
    expect(parseStartArgs(["--port", "8795"], {}).port).toBe(8795);
    expect(parseStartArgs(["--", "--port", "8795"], {}).port).toBe(8795);
    expect(parseStartArgs(["--port=8795"], {}).port).toBe(8795);
  });
  it("takes PORT, and npm's npm_config_port (npm start --port N), the flag winning", () => {
    expect(parseStartArgs([], { PORT: "8795" }).port).toBe(8795);
    expect(parseStartArgs([], { npm_config_port: "8796" }).port).toBe(8796);
    expect(parseStartArgs(["--port", "8797"], { PORT: "8795" }).port).toBe(8797);
  });
  it("passes other options on to wrangler dev and takes --model", () => {
    expect(parseStartArgs(["--ip", "0.0.0.0", "--model", "runs/x/model"], {})).toEqual({
      port: 8787,
      model: "runs/x/model",
      rest: ["--ip", "0.0.0.0"],
    });
  });
  it("rejects a port that is not a number from 1 to 65535, naming the flag", () => {
    expect(() => parseStartArgs(["--port", "87a"], {})).toThrow(/--port must be a port number/);
    expect(() => parseStartArgs(["--port", "70000"], {})).toThrow(/--port must be a port number/);
    expect(() => parseStartArgs(["--port"], {})).toThrow(/--port needs a value/);
    expect(() => parseStartArgs([], { PORT: "x" })).toThrow(/PORT must be a port number/);
  });
});

it("node scripts/start.mjs --port 0 fails at once with the reason and exit code 2", async () => {
  const err = await promisify(execFile)(process.execPath, ["scripts/start.mjs", "--port", "0"], {
    cwd: REPO_DIR,
  }).catch((e: { code: number; stderr: string }) => e);
  expect(err).toMatchObject({ code: 2 });
  expect((err as { stderr: string }).stderr).toContain("--port must be a port number from 1 to 65535");
});
