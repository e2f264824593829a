// A free loopback TCP port, e.g. for a Miniflare inspector.
import { createServer } from "node:net";

/**
 * A port that was free on 127.0.0.1 a moment ago (the OS picks it; the listener is closed again).
 *
 * @example
 * const worker = await startWorker({ ...build, inspectorPort: await freePort() });
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}
