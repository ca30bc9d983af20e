/**
 * The dated price tables (costs/prices.<region>.json): loaded and checked, so that a table with a
 * missing or malformed price stops the estimate with one line naming the file and the key.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { UnusableInputError } from "../input/unusable-input";

/** The prices the estimate multiplies usage by; `ec2.instance` is the instance type's own hourly price. */
export const PRICE_KEYS = [
  "firehose.ingestion",
  "s3.storage",
  "s3.put",
  "s3.get",
  "lambda.requests",
  "lambda.duration",
  "ebs.gp3",
  "ec2.publicIpv4",
  "logs.ingestion",
  "logs.vendedIngestion",
  "logs.storage",
  "sqs.requests",
  "kinesisAnalytics.kpu",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];
export const INSTANCE_PRICE = "ec2.instance";

interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly checked: string;
  /** Firehose: each record is billed as a whole number of these bytes. */
  readonly roundedUpToBytes?: number;
}

/** A resource type's entry: what prices it, or why it costs nothing. */
type ResourceTypeEntry = { readonly priced: readonly string[] } | { readonly noCharge: string };

export interface PriceTable {
  /** The file, as messages name it. */
  readonly file: string;
  readonly region: string;
  /** YYYY-MM-DD: when the prices were checked. */
  readonly date: string;
  readonly currency: string;
  readonly prices: Readonly<Record<PriceKey, Price>>;
  readonly ec2Instances: Readonly<Record<string, { readonly usdPerHour: number; readonly checked: string }>>;
  readonly ec2InstancesSource: string;
  readonly resourceTypes: Readonly<Record<string, ResourceTypeEntry>>;
}

export class PriceTableError extends UnusableInputError {
  constructor(problems: string[]) {
    super(problems, "Unusable price table");
    this.name = "PriceTableError";
  }
}

const COSTS_DIR = __dirname;
const PROJECT_DIR = join(__dirname, "..");
/** The table whose region stands in for a region without its own. */
export const DEFAULT_PRICE_REGION = "us-east-1";

export const priceFile = (region: string): string => join(COSTS_DIR, `prices.${region}.json`);

/** The region's table, or the default region's when it has none (`substituted` then says so). */
export function priceTableFor(region: string): { table: PriceTable; substituted: boolean } {
  const own = priceFile(region);
  const substituted = !existsSync(own);
  return { table: loadPriceTable(substituted ? priceFile(DEFAULT_PRICE_REGION) : own), substituted };
}

export function loadPriceTable(file: string): PriceTable {
  const shown = relative(PROJECT_DIR, file).startsWith("..") ? file : relative(PROJECT_DIR, file);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PriceTableError([`${shown} cannot be read as JSON: ${(error as Error).message}`]);
  }
  return checkPriceTable(data, shown);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const isPrice = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** Checks a parsed table; every problem is one line naming the file and the key. */
export function checkPriceTable(data: unknown, file: string): PriceTable {
  const problems: string[] = [];
  const bad = (key: string, allowed: string) => problems.push(`${file}: ${key} must be ${allowed}`);
  if (!isObject(data)) throw new PriceTableError([`${file} must hold a JSON object`]);
  if (!isText(data.region)) bad("region", "an AWS region name");
  if (typeof data.date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(data.date)) bad("date", "the day the prices were checked, YYYY-MM-DD");
  if (data.currency !== "USD") bad("currency", '"USD"');
  const prices = isObject(data.prices) ? data.prices : (bad("prices", "an object of prices"), {});
  for (const key of PRICE_KEYS) {
    const p = prices[key];
    if (!isObject(p)) {
      bad(`prices.${key}`, "an object with usd, unit, source and checked");
      continue;
    }
    if (!isPrice(p.usd)) bad(`prices.${key}.usd`, "a number of dollars, 0 or more");
    for (const field of ["unit", "source", "checked"]) if (!isText(p[field])) bad(`prices.${key}.${field}`, "a non-empty string");
  }
  for (const key of Object.keys(prices))
    if (!(PRICE_KEYS as readonly string[]).includes(key)) bad(`prices.${key}`, `one of ${PRICE_KEYS.join(", ")} (an unknown price is never used)`);
  const rounding = isObject(prices["firehose.ingestion"]) ? prices["firehose.ingestion"].roundedUpToBytes : undefined;
  if (!(Number.isInteger(rounding) && (rounding as number) > 0))
    bad("prices.firehose.ingestion.roundedUpToBytes", "the bytes each record is rounded up to, a whole number");
  const instances = isObject(data.ec2Instances) ? data.ec2Instances : (bad("ec2Instances", "an object of instance types"), {});
  for (const [type, entry] of Object.entries(instances)) {
    if (!isObject(entry) || !isPrice(entry.usdPerHour) || !isText(entry.checked))
      bad(`ec2Instances.${type}`, "{ usdPerHour: dollars, checked: how it was confirmed }");
  }
  if (!isText(data.ec2InstancesSource)) bad("ec2InstancesSource", "the source of the instance prices");
  const types = isObject(data.resourceTypes) ? data.resourceTypes : (bad("resourceTypes", "an object of Terraform resource types"), {});
  for (const [type, entry] of Object.entries(types)) {
    const priced = isObject(entry) && Array.isArray(entry.priced) ? entry.priced : undefined;
    const free = isObject(entry) && isText(entry.noCharge);
    if (free === (priced !== undefined)) {
      bad(`resourceTypes.${type}`, '{ "priced": [price keys] } or { "noCharge": "why it costs nothing" }');
    } else if (priced !== undefined) {
      const unknown = priced.filter((k) => k !== INSTANCE_PRICE && !(PRICE_KEYS as readonly unknown[]).includes(k));
      if (priced.length === 0 || unknown.length > 0)
        bad(`resourceTypes.${type}.priced`, `a list of ${INSTANCE_PRICE} or keys of prices (not ${unknown.join(", ") || "empty"})`);
    }
  }
  if (problems.length > 0) throw new PriceTableError(problems);
  return { ...(data as unknown as Omit<PriceTable, "file">), file };
}

/** The resource types of a synthesized stack that the table has no entry for, sorted. */
export function typesWithoutEntry(resourceTypes: Iterable<string>, table: Pick<PriceTable, "resourceTypes">): string[] {
  return [...new Set(resourceTypes)].filter((t) => !Object.prototype.hasOwnProperty.call(table.resourceTypes, t)).sort();
}
