import { isMarqueeError } from "@marquee/shared";
import { describe, expect, it } from "vitest";
import { imageFromRequest } from "./image-from-request.ts";
import { readBodyWithLimit } from "./read-body.ts";

const streamOf = (chunks: number[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const n of chunks) c.enqueue(new Uint8Array(n).fill(7));
      c.close();
    },
  });
const request = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://x/predict", { method: "POST", body, headers, duplex: "half" } as RequestInit);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return isMarqueeError(err) ? err.code : `other: ${String(err)}`;
  }
  return "resolved";
}

describe("readBodyWithLimit", () => {
  it("joins the chunks of a body within the limit", async () => {
    const body = await readBodyWithLimit(request(streamOf([3, 4, 5])), 12);
    expect(body.byteLength).toBe(12);
    expect(body.every((b) => b === 7)).toBe(true);
  });

  it("refuses by Content-Length before reading, and by counting when it lies or is absent", async () => {
    expect(
      await codeOf(readBodyWithLimit(request(new Uint8Array(10), { "content-length": "999" }), 100)),
    ).toBe("image_too_large");
    expect(await codeOf(readBodyWithLimit(request(streamOf([60, 60])), 100))).toBe("image_too_large");
  });
});

describe("readBodyWithLimit: broken and oversize streams", () => {
  it("calls a body shorter than its Content-Length, or a stream that errors, truncated_body", async () => {
    const short = request(streamOf([10]), { "content-length": "50" });
    expect(await codeOf(readBodyWithLimit(short, 100))).toBe("truncated_body");
    const broken = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(5));
        c.error(new Error("client went away"));
      },
    });
    expect(await codeOf(readBodyWithLimit(request(broken), 100))).toBe("truncated_body");
  });

  it("drains an oversize stream to its end (no cancel) before refusing it", async () => {
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled++ < 10) c.enqueue(new Uint8Array(30));
        else c.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    expect(await codeOf(readBodyWithLimit(request(body), 100))).toBe("image_too_large");
    expect(pulled).toBe(11);
    expect(cancelled).toBe(false);
  });
});

describe("imageFromRequest", () => {
  it("takes the raw body or the multipart `image` file", async () => {
    expect((await imageFromRequest(request(new Uint8Array([1, 2, 3])), 10)).byteLength).toBe(3);
    const form = new FormData();
    form.append("image", new File([new Uint8Array([9, 9])], "a.jpg"));
    expect(
      Array.from(await imageFromRequest(new Request("http://x/", { method: "POST", body: form }), 10)),
    ).toEqual([9, 9]);
  });

  it("maps empty, missing and oversize inputs to stable codes", async () => {
    expect(await codeOf(imageFromRequest(request(null), 10))).toBe("empty_body");
    const none = new FormData();
    none.append("other", "x");
    expect(await codeOf(imageFromRequest(new Request("http://x/", { method: "POST", body: none }), 10))).toBe(
      "bad_request",
    );
    const big = new FormData();
    big.append("image", new File([new Uint8Array(50)], "a.jpg"));
    expect(await codeOf(imageFromRequest(new Request("http://x/", { method: "POST", body: big }), 10))).toBe(
      "image_too_large",
    );
  });
});
