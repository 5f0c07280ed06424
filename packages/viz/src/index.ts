// Layouts, neighbours, clusters and metrics (umap/, knn/, cluster/, metrics/), then pictures,
// reports and input tables (plot/, html/, report/, io/).
export * from "./cluster/index.js";
export * from "./html/index.js";
export * from "./io/index.js";
export * from "./knn/index.js";
export * from "./metrics/index.js";
export * from "./plot/index.js";
export * from "./report/index.js";
export * from "./umap/index.js";
