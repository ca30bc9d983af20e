import { Annotations } from "cdktf";
import { Construct } from "constructs";
import { KinesisAnalyticsApplication } from "@cdktf/provider-aws/lib/kinesis-analytics-application";
import { ANALYTICS_APPLICATION_NAME, ANALYTICS_CODE_MAX_BYTES } from "../aws/limits";
import type { RecordColumn } from "../aws/record-column";
import { check, matching, satisfying } from "../input/allowed";
import type { AnalyticsDefinition } from "../sql/analytics";
import { MAX_SQL_COLUMNS, SQL_COLUMN_NAME } from "../schemas/sql-columns";
import type { DeliveryStreamRef } from "./buffered-delivery-stream";
import { physicalName } from "./physical-name";
import { ServiceLog } from "./service-log";
import { ServiceRole } from "./service-role";

export interface SqlAnalyticsApplicationProps {
  /** Application name: 1-128 characters of [a-zA-Z0-9_.-]. */
  readonly name: string;
  /** The analytics it runs: the SQL, the input stream's name and columns, the output stream (sql/analytics.ts). */
  readonly analytics: AnalyticsDefinition;
  readonly input: {
    /** The delivery stream the application reads. */
    readonly stream: DeliveryStreamRef;
    /**
     * Where reading starts.
     * @default "NOW"
     */
    readonly startingPosition?: "NOW" | "TRIM_HORIZON" | "LAST_STOPPED_POINT";
  };
  readonly output: {
    /** The delivery stream the application writes the output stream's rows to, as JSON records. */
    readonly stream: DeliveryStreamRef;
  };
  /**
   * Retention of the application's log group, in days.
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * Whether the application is started when it is deployed.
   * @default true
   */
  readonly startOnDeploy?: boolean;
  /**
   * Prefix of the IAM role's name.
   * @default - the application name
   */
  readonly roleNamePrefix?: string;
}

const IN_APPLICATION_NAME = matching(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/, "1-32 characters of letters, digits and '_', not starting with a digit");
const SQL_TYPE_PATTERN = /^(VARCHAR\(\d+\)|CHAR\(\d+\)|DATE|TIME|TIMESTAMP|DOUBLE|REAL|DECIMAL\(\d+(,\s*\d+)?\)|INTEGER|BIGINT|SMALLINT|TINYINT|BOOLEAN)$/;
const SQL_TYPE = matching(SQL_TYPE_PATTERN, `a SQL type matching ${SQL_TYPE_PATTERN.source}`);
const JSON_PATH = matching(/^\$\.[^\s]+$/, "a JSON path such as $.Field");

/**
 * A Kinesis Data Analytics (SQL, API v1) application: one JSON input from a delivery stream, SQL
 * from a file, one JSON output to another delivery stream, logging to its own log group, and its
 * own IAM role limited to exactly those two streams and that log stream.
 *
 * AWS has discontinued this service: no new application can be created since 2025-10-15, and
 * existing ones are deleted from 2026-01-27. It still synthesizes, validates and plans; synth
 * warns so nobody is surprised at apply time.
 */
export class SqlAnalyticsApplication extends Construct {
  readonly application: KinesisAnalyticsApplication;
  readonly role: ServiceRole;
  readonly log: ServiceLog;

  constructor(scope: Construct, id: string, props: SqlAnalyticsApplicationProps) {
    super(scope, id);
    const what = `SqlAnalyticsApplication ${props.name}`;
    const { analytics } = props;
    const { namePrefix, columns } = analytics.input;
    const outputName = analytics.outputStream;
    check(what, "name", props.name, ANALYTICS_APPLICATION_NAME);
    check(what, "analytics.input.namePrefix", namePrefix, IN_APPLICATION_NAME);
    check(what, "analytics.outputStream", outputName, IN_APPLICATION_NAME);
    validateColumns(what, columns);

    const code = analytics.sqlFor(what);
    const bytes = Buffer.byteLength(code);
    check(
      what,
      "analytics.sqlFile",
      analytics.sqlFile,
      satisfying(
        () => code.trim().length > 0 && bytes <= ANALYTICS_CODE_MAX_BYTES,
        `a non-empty SQL file of at most ${ANALYTICS_CODE_MAX_BYTES} bytes (this one has ${bytes})`,
      ),
    );
    const sql = withoutComments(code);
    check(
      what,
      "analytics.sqlFile",
      analytics.sqlFile,
      satisfying(
        () => identifiersAfter(sql, /\bFROM\s+/gi).some((n) => n === analytics.input.name),
        `SQL that reads the input stream "${analytics.input.name}" (the input name prefix plus _001)`,
      ),
    );
    check(
      what,
      "analytics.sqlFile",
      analytics.sqlFile,
      satisfying(
        () => identifiersAfter(sql, /\bCREATE\s+OR\s+REPLACE\s+STREAM\s+/gi).some((n) => n === outputName),
        `SQL that creates the output stream "${outputName}" (CREATE OR REPLACE STREAM)`,
      ),
    );

    this.log = new ServiceLog(this, "log", {
      groupName: `/aws/kinesis-analytics/${props.name}`,
      streamName: "application",
      logRetentionDays: props.logRetentionDays,
    });
    this.role = new ServiceRole(this, "role", {
      name: physicalName([props.roleNamePrefix ?? props.name, "analytics"], 64),
      service: "kinesisanalytics.amazonaws.com",
      description: `Lets ${props.name} read ${props.input.stream.name}, write ${props.output.stream.name} and log`,
      statements: [
        {
          sid: "ReadInputStream",
          actions: ["firehose:DescribeDeliveryStream", "firehose:Get*"],
          resources: [props.input.stream.arn],
        },
        {
          sid: "WriteOutputStream",
          actions: ["firehose:DescribeDeliveryStream", "firehose:PutRecord", "firehose:PutRecordBatch"],
          resources: [props.output.stream.arn],
        },
        this.log.allowPutLogEvents(),
      ],
    });

    this.application = new KinesisAnalyticsApplication(this, "application", {
      name: props.name,
      code,
      startApplication: props.startOnDeploy ?? true,
      cloudwatchLoggingOptions: { logStreamArn: this.log.stream.arn, roleArn: this.role.arn },
      inputs: {
        namePrefix,
        kinesisFirehose: { resourceArn: props.input.stream.arn, roleArn: this.role.arn },
        schema: {
          recordColumns: columns.map((c) => ({ name: c.name, sqlType: c.sqlType, mapping: c.mapping })),
          recordEncoding: "UTF-8",
          recordFormat: { mappingParameters: { json: { recordRowPath: "$" } } },
        },
        startingPositionConfiguration: [{ startingPosition: props.input.startingPosition ?? "NOW" }],
      },
      outputs: [
        {
          name: outputName,
          kinesisFirehose: { resourceArn: props.output.stream.arn, roleArn: this.role.arn },
          schema: { recordFormatType: "JSON" },
        },
      ],
      // The service checks the role's access when the application is created.
      dependsOn: [this.role.policy],
    });

    Annotations.of(this).addWarning(
      `${props.name}: AWS has discontinued Kinesis Data Analytics for SQL. No new SQL application can be ` +
        "created since 2025-10-15 and existing ones are deleted from 2026-01-27, so this resource plans " +
        "but will not deploy on AWS.",
    );
  }
}

function validateColumns(what: string, columns: readonly RecordColumn[]): void {
  check(
    what,
    "analytics.input.columns",
    columns.length,
    satisfying((n) => n > 0 && n <= MAX_SQL_COLUMNS, `1 to ${MAX_SQL_COLUMNS} columns`),
  );
  const seen = new Set<string>();
  for (const c of columns) {
    check(
      what,
      `analytics.input.columns[${c.name}].name`,
      c.name,
      satisfying((n) => SQL_COLUMN_NAME.test(n) && !seen.has(n.toUpperCase()), SQL_COLUMN_NAME.words),
    );
    check(what, `analytics.input.columns[${c.name}].sqlType`, c.sqlType, SQL_TYPE);
    check(what, `analytics.input.columns[${c.name}].mapping`, c.mapping, JSON_PATH);
    seen.add(c.name.toUpperCase());
  }
}

/** SQL text with `--` and `/* *\/` comments blanked (string literals kept). */
function withoutComments(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith("'") ? m : " "));
}

/**
 * The identifiers that follow each match of `keyword`, as the SQL engine names them: quoted
 * identifiers exactly, unquoted ones upper-cased.
 */
function identifiersAfter(sql: string, keyword: RegExp): string[] {
  const names: string[] = [];
  for (const m of sql.matchAll(keyword)) {
    const rest = sql.slice(m.index + m[0].length);
    const id = /^(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_]*))/.exec(rest);
    const quoted = id?.at(1); // undefined when the name is not quoted
    if (id) names.push(quoted !== undefined ? quoted.replace(/""/g, '"') : id[2].toUpperCase());
  }
  return names;
}
