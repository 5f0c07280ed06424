export * from "./random.js";
export * from "./umap.js";
