export * from "./auto-k.js";
export * from "./kmeans.js";
