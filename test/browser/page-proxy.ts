// Serves edge/public from Node and forwards the API paths to a worker, for testing the page
// against the real worker's API while the worker does not serve the page itself.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestInit, Response } from "miniflare";
import { readBody, serveStatic } from "./stub-server.ts";

const API_PATHS = new Set(["/predict", "/model", "/health"]);

/** A running proxy. */
export interface PageProxy {
  /** Base URL, ending in `/`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Start the proxy on a free loopback port; `upstream` dispatches a request to the worker.
 *
 * @example
 * const proxy = await startPageProxy((path, init) => worker.fetch(path, init));
 */
export async function startPageProxy(
  upstream: (path: string, init?: RequestInit) => Promise<Response>,
): Promise<PageProxy> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://proxy");
      if (!API_PATHS.has(url.pathname)) return await serveStatic(url.pathname, res);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "connection") headers[name] = value;
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const response = await upstream(url.pathname + url.search, {
        method: req.method,
        headers,
        ...(hasBody ? { body: await readBody(req) } : {}),
      });
      const body = new Uint8Array(await response.arrayBuffer());
      res.writeHead(response.status, {
        "Content-Type": response.headers.get("content-type") ?? "application/octet-stream",
        "Content-Length": body.length,
      });
      res.end(body);
    } catch (err) {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`proxy: ${String(err)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
