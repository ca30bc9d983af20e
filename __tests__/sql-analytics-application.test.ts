import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAB_ANALYTICS } from "../sql/analytics";
import { analyticsWith } from "./helpers/analytics";
import { SqlAnalyticsApplication, SqlAnalyticsApplicationProps } from "../constructs/sql-analytics-application";
import { asList, ref, resource, statements, synthScope } from "./helpers/synth";

const SOURCE = { name: "Source", arn: "arn:aws:firehose:us-east-1:111122223333:deliverystream/Source" };
const DESTINATION = { name: "Destination", arn: "arn:aws:firehose:us-east-1:111122223333:deliverystream/Destination" };
const dir = mkdtempSync(join(tmpdir(), "lab-sql-"));

function sqlFile(text: string): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(file, text);
  return file;
}

function props(overrides: Partial<SqlAnalyticsApplicationProps> = {}): SqlAnalyticsApplicationProps {
  return {
    name: "StreamApplication",
    analytics: LAB_ANALYTICS,
    input: { stream: SOURCE },
    output: { stream: DESTINATION },
    ...overrides,
  };
}

describe("SqlAnalyticsApplication", () => {
  let construct: SqlAnalyticsApplication | undefined;
  const json = synthScope((scope) => {
    construct = new SqlAnalyticsApplication(scope, "analytics", props());
  });
  const app = resource(json, "aws_kinesis_analytics_application").body;
  const role = resource(json, "aws_iam_role");
  const roleArn = ref("aws_iam_role", role.key, "arn");
  const logStream = resource(json, "aws_cloudwatch_log_stream");

  it("runs the SQL file's code and starts on deploy", () => {
    expect(app.name).toBe("StreamApplication");
    expect(app.code).toContain('CREATE OR REPLACE PUMP "STREAM_PUMP_1"');
    expect(app.start_application).toBe(true);
  });

  it("reads JSON records from the input stream at row path $, with the columns given", () => {
    expect(app.inputs).toEqual({
      name_prefix: "SOURCE_SQL_STREAM",
      kinesis_firehose: { resource_arn: SOURCE.arn, role_arn: roleArn },
      schema: {
        record_columns: LAB_ANALYTICS.input.columns.map((c) => ({ name: c.name, sql_type: c.sqlType, mapping: c.mapping })),
        record_encoding: "UTF-8",
        record_format: { mapping_parameters: { json: { record_row_path: "$" } } },
      },
      starting_position_configuration: [{ starting_position: "NOW" }],
    });
  });

  it("writes the in-application output stream as JSON to the output stream", () => {
    expect(app.outputs).toEqual([
      {
        name: "DESTINATION_SQL_BASIC_STREAM",
        kinesis_firehose: { resource_arn: DESTINATION.arn, role_arn: roleArn },
        schema: { record_format_type: "JSON" },
      },
    ]);
  });

  it("logs to its own log group", () => {
    expect(resource(json, "aws_cloudwatch_log_group").body).toEqual({ name: "/aws/kinesis-analytics/StreamApplication", retention_in_days: 14 });
    expect(app.cloudwatch_logging_options).toEqual({ log_stream_arn: ref("aws_cloudwatch_log_stream", logStream.key, "arn"), role_arn: roleArn });
  });

  it("has a role only the analytics service can assume, allowing exactly its input, output and log actions", () => {
    expect(JSON.parse(role.body.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "kinesisanalytics.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const granted = statements(resource(json, "aws_iam_role_policy").body.policy).map((s) => [s.Sid, asList(s.Action), asList(s.Resource)]);
    expect(granted).toEqual([
      ["ReadInputStream", ["firehose:DescribeDeliveryStream", "firehose:Get*"], [SOURCE.arn]],
      ["WriteOutputStream", ["firehose:DescribeDeliveryStream", "firehose:PutRecord", "firehose:PutRecordBatch"], [DESTINATION.arn]],
      ["WriteLogEvents", ["logs:PutLogEvents"], [ref("aws_cloudwatch_log_stream", logStream.key, "arn")]],
    ]);
  });

  it("warns at synth that the service is discontinued", () => {
    const warnings = construct!.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringContaining("discontinued Kinesis Data Analytics for SQL")]);
    expect(warnings[0]).toContain("2026-01-27");
  });

  const columns = LAB_ANALYTICS.input.columns;
  it.each<[string, Partial<SqlAnalyticsApplicationProps>, string]>([
    ["a bad name", { name: "Stream Application" }, 'name = "Stream Application" is not allowed'],
    ["a missing SQL file", { analytics: analyticsWith({ sqlFile: join(dir, "missing.sql") }) }, "cannot be read"],
    ["an empty SQL file", { analytics: analyticsWith({ sqlFile: sqlFile("  \n") }) }, "a non-empty SQL file"],
    ["a SQL file of comments only", { analytics: analyticsWith({ sqlFile: sqlFile("-- nothing\n") }) }, "SQL that reads the input stream"],
    [
      "SQL that reads another stream",
      {
        analytics: analyticsWith({
          sqlFile: sqlFile(
            'CREATE OR REPLACE STREAM "DESTINATION_SQL_BASIC_STREAM" (a INT);\nINSERT INTO "DESTINATION_SQL_BASIC_STREAM" SELECT STREAM "a" FROM "OTHER_001";',
          ),
        }),
      },
      'SQL that reads the input stream "SOURCE_SQL_STREAM_001"',
    ],
    [
      "SQL that reads the input only in a comment",
      { analytics: analyticsWith({ sqlFile: sqlFile('CREATE OR REPLACE STREAM "DESTINATION_SQL_BASIC_STREAM" (a INT);\n-- FROM "SOURCE_SQL_STREAM_001"\n') }) },
      "SQL that reads the input stream",
    ],
    [
      "SQL that does not create the output stream",
      {
        analytics: analyticsWith({
          sqlFile: sqlFile('CREATE OR REPLACE STREAM "OUT" (a INT);\nINSERT INTO "OUT" SELECT STREAM "a" FROM "SOURCE_SQL_STREAM_001";'),
        }),
      },
      'SQL that creates the output stream "DESTINATION_SQL_BASIC_STREAM"',
    ],
    ["SQL over 100 KiB", { analytics: analyticsWith({ sqlFile: sqlFile(`FROM "SOURCE_SQL_STREAM_001"\n${"-".repeat(102_401)}`) }) }, "at most 102400 bytes"],
    ["no columns", { analytics: analyticsWith({ input: { columns: [] } }) }, "input.columns = 0 is not allowed"],
    ["duplicate columns", { analytics: analyticsWith({ input: { columns: [columns[0], { ...columns[0], name: "REGION" }] } }) }, "input.columns[REGION].name"],
    ["a bad SQL type", { analytics: analyticsWith({ input: { columns: [{ ...columns[0], sqlType: "STRING" }] } }) }, 'sqlType = "STRING" is not allowed'],
    ["a bad mapping", { analytics: analyticsWith({ input: { columns: [{ ...columns[0], mapping: "Region" }] } }) }, 'mapping = "Region" is not allowed'],
    ["a bad input prefix", { analytics: analyticsWith({ input: { columns, namePrefix: "1SOURCE" } }) }, 'input.namePrefix = "1SOURCE" is not allowed'],
  ])("refuses %s", (_, overrides, message) => {
    expect(() => synthScope((scope) => new SqlAnalyticsApplication(scope, "analytics", props(overrides)))).toThrow(message);
  });

  it("matches unquoted SQL names upper-cased, as the service does", () => {
    const lower = sqlFile(
      'create or replace stream destination_sql_basic_stream (a INT);\ninsert into destination_sql_basic_stream select stream "a" from source_sql_stream_001;',
    );
    expect(() => synthScope((scope) => new SqlAnalyticsApplication(scope, "analytics", props({ analytics: analyticsWith({ sqlFile: lower }) })))).not.toThrow();
    const quotedLower = sqlFile('CREATE OR REPLACE STREAM "destination_sql_basic_stream" (a INT);\nSELECT STREAM "a" FROM "SOURCE_SQL_STREAM_001";');
    expect(() => synthScope((scope) => new SqlAnalyticsApplication(scope, "analytics", props({ analytics: analyticsWith({ sqlFile: quotedLower }) })))).toThrow(
      "SQL that creates the output stream",
    );
  });
});
