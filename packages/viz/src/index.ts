// Pictures, reports and input tables (plot/, html/, report/, io/).
export * from "./html/index.js";
export * from "./io/index.js";
export * from "./plot/index.js";
export * from "./report/index.js";
