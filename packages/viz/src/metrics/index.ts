export * from "./classification.js";
export * from "./contingency.js";
export * from "./labels.js";
export * from "./silhouette.js";
export * from "./supervised.js";
export * from "./trustworthiness.js";
