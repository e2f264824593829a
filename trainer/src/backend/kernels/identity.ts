// Identity (and same-dtype Cast) on the wasm backend without copying: tfjs-core clones every tensor a
// kernel saves for its gradient (Engine.saveTensorsForBackwardMode → clone → Identity), and
// tfjs-backend-wasm 4.22's Identity and Cast copy the data, so a training step copied every activation
// and weight once more. Tensors are immutable, so the clone can share the data, as the cpu backend's
// Identity and the wasm backend's own Reshape do (reference count raised with incRef).
import { getKernel, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { marked } from "../wasm-kernel-support.ts";

interface RefCounting {
  incRef(dataId: object): void;
}

/** A new TensorInfo over `x`'s data (raising its reference count): no copy. */
function share(x: TensorInfo, backend: unknown, dtype = x.dtype): TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype };
}

/** Kernel config: Identity shares the input's data (strings go to the stock kernel). */
export function identityConfig(): KernelConfig {
  const stock = getKernel("Identity", "wasm");
  const kernelFunc = marked((args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === "string") {
      if (!stock) throw new Error("tfjs-backend-wasm's Identity kernel is not registered");
      return stock.kernelFunc(args as never) as TensorInfo;
    }
    return share(x, args.backend);
  });
  return { ...(stock ?? { kernelName: "Identity", backendName: "wasm" }), kernelFunc };
}

/** Kernel config wrapping the stock Cast: a cast to the input's own dtype shares the data. */
export function castConfig(): KernelConfig {
  const stock = getKernel("Cast", "wasm");
  if (!stock) throw new Error("tfjs-backend-wasm's Cast kernel is not registered");
  const stockFunc = stock.kernelFunc;
  const kernelFunc = marked((args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as { dtype: string };
    if (dtype === x.dtype && dtype !== "string") return share(x, args.backend);
    return stockFunc(args as never) as TensorInfo;
  });
  return { ...stock, kernelFunc };
}
