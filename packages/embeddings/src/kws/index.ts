export * from "./classify.js";
export * from "./detect.js";
export * from "./nms.js";
export * from "./scores.js";
