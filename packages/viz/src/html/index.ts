export { type AudioSourceOptions, audioSources } from "./audio.js";
export { buildPayload, type PagePayload, type PointMeta, safeJson } from "./data.js";
export { type InteractiveHtmlOptions, interactiveHtml } from "./page.js";
