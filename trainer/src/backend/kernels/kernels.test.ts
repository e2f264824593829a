import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../util/random.ts";
import { convGeometry } from "../conv-geometry.ts";
import { expectClose, onBackend, randomValues } from "../test-support.ts";
import {
  conv2dBackpropFilterIm2colT,
  conv2dBackpropFilterTaps,
  conv2dBackpropFilterViaConv,
  setFilterGradientMethod,
} from "./conv2d-backprop-filter.ts";
import { registerWasmTrainingKernels } from "./register-all.ts";

const REL = 1e-4;

beforeAll(async () => {
  registerWasmTrainingKernels();
  registerWasmTrainingKernels(); // idempotent
  expect(await tf.setBackend("wasm")).toBe(true);
});

type Pad = "same" | "valid";
interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  fh: number;
  fw: number;
  stride: number;
  pad: Pad;
}

/** Random conv cases covering strides 1/2, SAME/VALID, odd sizes and non-square filters. */
function convCases(): ConvCase[] {
  const rand = mulberry32(8474);
  const pick = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const cases: ConvCase[] = [];
  for (const stride of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      for (let i = 0; i < 3; i++) {
        const fh = pick(1, 4);
        const fw = pick(1, 4);
        cases.push({
          n: pick(1, 3),
          h: pick(fh, 13),
          w: pick(fw, 12),
          ci: pick(1, 9),
          co: pick(1, 11),
          fh,
          fw,
          stride,
          pad,
        });
      }
    }
  }
  return cases;
}

describe("wasm training kernels match the cpu backend's gradients", () => {
  it.each(
    convCases().flatMap((c) => (["taps", "im2col", "conv"] as const).map((method) => ({ ...c, method }))),
  )("conv2d dW and dx: %o", async (c) => {
    setFilterGradientMethod(c.method);
    const rand = mulberry32(c.n * 1000 + c.h * 100 + c.w * 10 + c.ci);
    const x = randomValues(rand, c.n * c.h * c.w * c.ci);
    const f = randomValues(rand, c.fh * c.fw * c.ci * c.co);
    const outShape = tf.backend_util.computeConv2DInfo(
      [c.n, c.h, c.w, c.ci],
      [c.fh, c.fw, c.ci, c.co],
      c.stride,
      1,
      c.pad,
    ).outShape;
    const r = randomValues(
      rand,
      outShape.reduce((a, b) => a * b, 1),
    );
    const grads = () => {
      const g = tf.grads((xs: tf.Tensor, fs: tf.Tensor) =>
        tf
          .conv2d(xs as tf.Tensor4D, fs as tf.Tensor4D, c.stride, c.pad)
          .mul(tf.tensor(r, outShape))
          .sum(),
      );
      return g([tf.tensor(x, [c.n, c.h, c.w, c.ci]), tf.tensor(f, [c.fh, c.fw, c.ci, c.co])]);
    };
    const [dxCpu, dfCpu] = await onBackend("cpu", grads);
    const [dxWasm, dfWasm] = await onBackend("wasm", grads);
    expectClose(dfWasm as Float32Array, dfCpu as Float32Array, REL, "Conv2DBackpropFilter");
    expectClose(dxWasm as Float32Array, dxCpu as Float32Array, REL, "Conv2DBackpropInput");
    setFilterGradientMethod("auto");
  });

  // tfjs' conv2d gradient refuses dilation > 1, so the filter-gradient routine is checked directly
  // against cpu gradients of the equivalent undilated conv whose filter has zeros between taps.
  it.each([
    { stride: 1, dilation: 2, pad: "same" as Pad, h: 11, w: 9 },
    { stride: 1, dilation: 2, pad: "valid" as Pad, h: 10, w: 13 },
    { stride: 2, dilation: 2, pad: "valid" as Pad, h: 13, w: 12 },
    { stride: 1, dilation: 3, pad: "same" as Pad, h: 9, w: 9 },
  ])("dilated filter gradient: %o", async ({ stride, dilation, pad, h, w }) => {
    const [n, ci, co, fh, fw] = [2, 3, 5, 3, 2];
    const rand = mulberry32(dilation * 31 + h);
    const x = randomValues(rand, n * h * w * ci);
    const info = tf.backend_util.computeConv2DInfo([n, h, w, ci], [fh, fw, ci, co], stride, dilation, pad);
    const dy = randomValues(
      rand,
      info.outShape.reduce((a, b) => a * b, 1),
    );
    const efh = (fh - 1) * dilation + 1;
    const efw = (fw - 1) * dilation + 1;
    const [dBig] = await onBackend("cpu", () => {
      const g = tf.grad((fs: tf.Tensor) =>
        tf
          .conv2d(tf.tensor(x, [n, h, w, ci]) as tf.Tensor4D, fs as tf.Tensor4D, stride, pad)
          .mul(tf.tensor(dy, info.outShape))
          .sum(),
      );
      return [g(tf.zeros([efh, efw, ci, co]))];
    });
    const expected = new Float32Array(fh * fw * ci * co);
    for (let a = 0; a < fh; a++)
      for (let b = 0; b < fw; b++)
        expected.set(
          (dBig as Float32Array).subarray(
            (a * dilation * efw + b * dilation) * ci * co,
            (a * dilation * efw + b * dilation + 1) * ci * co,
          ),
          (a * fw + b) * ci * co,
        );
    await tf.setBackend("wasm");
    const backend = tf.backend() as unknown as Parameters<typeof conv2dBackpropFilterTaps>[0];
    const xT = tf.tensor(x, [n, h, w, ci]);
    const dyT = tf.tensor(dy, info.outShape);
    for (const impl of [conv2dBackpropFilterTaps, conv2dBackpropFilterIm2colT, conv2dBackpropFilterViaConv]) {
      const out = impl(backend, xT, dyT, convGeometry(info));
      const got = (backend.typedArrayFromHeap(out) as Float32Array).slice();
      backend.disposeData(out.dataId);
      expectClose(got, expected, REL, `dilated Conv2DBackpropFilter (${impl.name})`);
    }
    tf.dispose([xT, dyT]);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])("matMul gradients with transposeA=%s transposeB=%s (incl. a Dense-shaped product)", async (ta, tb) => {
    for (const [m, k, nOut] of [
      [5, 7, 3],
      [4, 300, 9],
    ] as const) {
      const rand = mulberry32(m * k * nOut + (ta ? 1 : 0) + (tb ? 2 : 0));
      const aShape = ta ? [k, m] : [m, k];
      const bShape = tb ? [nOut, k] : [k, nOut];
      const a = randomValues(rand, m * k);
      const b = randomValues(rand, k * nOut);
      const r = randomValues(rand, m * nOut);
      const run = () => {
        const g = tf.grads((as: tf.Tensor, bs: tf.Tensor) =>
          tf
            .matMul(as, bs, ta, tb)
            .mul(tf.tensor(r, [m, nOut]))
            .sum(),
        );
        const [da, db] = g([tf.tensor(a, aShape), tf.tensor(b, bShape)]);
        return [
          tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb),
          da as tf.Tensor,
          db as tf.Tensor,
        ];
      };
      const cpu = await onBackend("cpu", run);
      const wasm = await onBackend("wasm", run);
      cpu.forEach((expected, i) => {
        expectClose(wasm[i] as Float32Array, expected, REL, `matMul output ${i}`);
      });
    }
  });

  it.each([
    { size: 2, stride: 2, pad: "valid" as Pad, h: 9, w: 8 },
    { size: 2, stride: 2, pad: "valid" as Pad, h: 6, w: 7 },
    { size: 3, stride: 2, pad: "same" as Pad, h: 7, w: 9 },
  ])("avgPool and maxPool gradients: %o", async ({ size, stride, pad, h, w }) => {
    const rand = mulberry32(h * w + size);
    const x = randomValues(rand, 2 * h * w * 5);
    const outShape = tf.backend_util.computePool2DInfo([2, h, w, 5], size, stride, 1, pad).outShape;
    const r = randomValues(
      rand,
      outShape.reduce((p, q) => p * q, 1),
    );
    const run = () => [
      tf.grad((xs: tf.Tensor) =>
        tf
          .avgPool(xs as tf.Tensor4D, size, stride, pad)
          .mul(tf.tensor(r, outShape))
          .sum(),
      )(tf.tensor(x, [2, h, w, 5])),
      tf.grad((xs: tf.Tensor) =>
        tf
          .maxPool(xs as tf.Tensor4D, size, stride, pad)
          .mul(tf.tensor(r, outShape))
          .sum(),
      )(tf.tensor(x, [2, h, w, 5])),
    ];
    const cpu = await onBackend("cpu", run);
    const wasm = await onBackend("wasm", run);
    expectClose(wasm[0] as Float32Array, cpu[0] as Float32Array, REL, "AvgPoolGrad");
    expectClose(wasm[1] as Float32Array, cpu[1] as Float32Array, REL, "MaxPoolGrad");
  });

  it("sum over leading axes (bias gradients) and other axes", async () => {
    const rand = mulberry32(7);
    const x = randomValues(rand, 3 * 5 * 4 * 6);
    const run = () => {
      const t = tf.tensor(x, [3, 5, 4, 6]);
      return [
        t.sum([0, 1, 2]),
        t.sum([0, 1, 2], true),
        t.sum([1, 2]),
        t.sum(-1),
        t.reshape([60, 6]).sum(0),
        t.sum(),
      ];
    };
    const cpu = await onBackend("cpu", run);
    const wasm = await onBackend("wasm", run);
    cpu.forEach((expected, i) => {
      expectClose(wasm[i] as Float32Array, expected, REL, `sum case ${i}`);
    });
  });
});

describe("Identity and same-dtype Cast share data on wasm", () => {
  it("clone and cast to the same dtype do not copy, survive the original's disposal, and free on the last dispose", async () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const heapBefore = tf.memory().numBytes;
    const a = tf.tensor1d([1.5, -2.25, 3]);
    const b = a.clone();
    const c = tf.cast(a, "float32");
    expect(backend.numDataIds()).toBe(before + 1);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1.5, -2.25, 3]);
    b.dispose();
    expect(Array.from(await c.data())).toEqual([1.5, -2.25, 3]);
    c.dispose();
    expect(backend.numDataIds()).toBe(before);
    expect(tf.memory().numBytes).toBe(heapBefore);
  });

  it("casts to another dtype with the stock kernel", async () => {
    const x = tf.tensor1d([1.7, -2.2, 0]);
    const i = tf.cast(x, "int32");
    const back = tf.cast(i, "float32");
    expect(i.dtype).toBe("int32");
    expect(Array.from(await i.data())).toEqual([1, -2, 0]);
    expect(Array.from(await back.data())).toEqual([1, -2, 0]);
    tf.dispose([x, i, back]);
  });
});
