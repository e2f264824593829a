// HTTP edges over a real socket to workerd (Miniflare's dispatchFetch cannot send a body shorter than
// its Content-Length): a truncated body is a 400 truncated_body, and an oversize chunked upload is a
// 413 after which the same keep-alive connection still answers the next request.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

let worker: RunningWorker;
let port: number;

beforeAll(async () => {
  worker = await startWorker({ ...(await ensureWorkerBuild()), quiet: true });
  port = Number((await worker.mf.ready).port);
});
afterAll(async () => {
  await worker?.dispose();
});

/** Collects what the server sends until `done(text)` says enough, or the socket closes. */
function readUntil(socket: Socket, done: (text: string) => boolean, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`timed out; got: ${text.slice(0, 300)}`)), timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      resolve(text);
    };
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (done(text)) finish();
    });
    socket.on("close", finish);
    socket.on("error", finish);
  });
}

const responses = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

it("answers a body shorter than its Content-Length with 400 truncated_body", async () => {
  const socket = connect(port, "127.0.0.1");
  const reading = readUntil(socket, (t) => /truncated_body|"code"/.test(t) && t.includes("}}"));
  socket.write(
    "POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000\r\n\r\n",
  );
  socket.write(Buffer.alloc(1000, 7));
  socket.end(); // the client gives up after 1000 of the 5000 bytes
  const text = await reading;
  socket.destroy();
  expect(responses(text)[0]).toBe("HTTP/1.1 400");
  expect(text).toMatch(/"code":"truncated_body"/);
});

it("answers an oversize chunked upload with 413 and keeps the connection usable for the next request", async () => {
  const socket = connect(port, "127.0.0.1");
  const reading = readUntil(socket, (t) => responses(t).length >= 2 && t.trimEnd().endsWith("}"));
  socket.write("POST /predict HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
  const chunk = Buffer.alloc(512 * 1024, 1);
  for (let i = 0; i < 22; i++)
    socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString("latin1")}\r\n`, "latin1");
  socket.write("0\r\n\r\n");
  socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const text = await reading;
  socket.destroy();
  expect(responses(text)).toEqual(["HTTP/1.1 413", "HTTP/1.1 200"]);
  expect(text).toMatch(/"code":"image_too_large"/);
}, 120_000);
