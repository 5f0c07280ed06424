export {
  type AudioSourceOptions,
  type AudioSourcesResult,
  audioCapMessage,
  audioSources,
  audioSourcesWithCaps,
} from "./audio.js";
export {
  buildPayload,
  type PageNeighbors,
  type PagePayload,
  type PointMeta,
  safeJson,
} from "./data.js";
export { type InteractiveHtmlOptions, interactiveHtml } from "./page.js";
