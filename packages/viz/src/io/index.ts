export type { ColumnOptions } from "./columns.js";
export { readCsvTable } from "./csv.js";
export { readJsonlTable } from "./jsonl.js";
export { readLanceTable } from "./lance.js";
export { type NpyArray, parseNpy, readNpyTable } from "./npy.js";
export { type ParquetReadOptions, readParquetTable, tableFromArrow } from "./parquet.js";
export { type ReadTableOptions, readTable } from "./read.js";
export {
  assertFinite,
  type DataTable,
  findColumn,
  guessLabelColumn,
  LABEL_COLUMN_NAMES,
  type MetaType,
  type MetaValue,
  metaStrings,
  TableError,
} from "./table.js";
export { type OutputTable, toCsv, writeTable } from "./write.js";
