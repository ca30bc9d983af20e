/**
 * One column of an analytics application's input schema, as Kinesis Data Analytics' API has it
 * (`RecordColumn`): the column's name and SQL type, and where its value is in the JSON record.
 */
export interface RecordColumn {
  /** Column name in the in-application input stream (referenced in SQL as `"Name"`). */
  readonly name: string;
  /** SQL type, e.g. `VARCHAR(16)`, `DATE`, `DOUBLE`. */
  readonly sqlType: string;
  /** JSON path of the value in the record, e.g. `$.Region`. */
  readonly mapping: string;
}
