export * from "./agglomerative.js";
export * from "./auto-k.js";
export * from "./hdbscan.js";
export * from "./kmeans.js";
export * from "./minibatch-kmeans.js";
