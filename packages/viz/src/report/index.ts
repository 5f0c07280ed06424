export { type ClusterLabelTable, clusterLabelTable, heatmapSvg } from "./heatmap.js";
export { type ReportAssets, reportHtml, safeAudioSrc } from "./html.js";
export { type MarkdownAssets, mdEscape, reportMarkdown } from "./markdown.js";
export {
  confusionTable,
  type PredictionSummary,
  predictionSummary,
} from "./predictions.js";
export { METRIC_HEADINGS, type ReportExample, type ReportInput, type ReportRun } from "./types.js";
export { type ReportFiles, writeReport } from "./write.js";
