export * from "./api/gallery-export.ts";
export * from "./api/gallery-types.ts";
export * from "./api/types.ts";
export * from "./artifact/metadata.ts";
export * from "./errors.ts";
export * from "./image/index.ts";
export * from "./image/types.ts";
export * from "./preprocess/index.ts";
