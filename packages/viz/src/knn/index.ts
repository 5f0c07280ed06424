export * from "./knn.js";
export * from "./matrix.js";
