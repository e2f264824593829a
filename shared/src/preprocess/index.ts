export * from "./crop.ts";
export * from "./normalize.ts";
export * from "./preprocess.ts";
export * from "./rect.ts";
export * from "./resize.ts";
