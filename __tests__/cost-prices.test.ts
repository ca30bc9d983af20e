/**
 * The price table: every resource type the stack synthesizes (either engine) has an entry, a price
 * or an explicit "no charge"; every price has its source; a malformed table is refused naming the
 * file and the key.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { PACK_BYTES_DEFAULT, resolveSettings } from "../config/settings";
import { x86InstanceTypeProblem } from "../aws/instance-types";
import {
  checkPriceTable,
  DEFAULT_PRICE_REGION,
  INSTANCE_PRICE,
  loadPriceTable,
  PRICE_KEYS,
  priceFile,
  priceTableFor,
  PriceTableError,
  typesWithoutEntry,
} from "../costs/prices";
import { synthLab, synthScope, SynthJson } from "./helpers/synth";

const table = loadPriceTable(priceFile(DEFAULT_PRICE_REGION));
const typesOf = (json: SynthJson) => [...Object.keys(json.resource), ...Object.keys(json.data ?? {}).map((t) => `data.${t}`)];
const raw = () => JSON.parse(JSON.stringify(table)) as Record<string, any>;

describe("the price table's entries for the stack's resource types", () => {
  it.each([
    ["the micro-batch engine (default)", {}],
    ["the SQL application engine", { LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" }],
    ["replay mode", { LAB_GENERATOR_MODE: "replay", LAB_BUCKET_NAME: "my-lab-bucket" }],
  ])("cover every type %s synthesizes", (_, env) => {
    expect(typesWithoutEntry(typesOf(synthLab(env).json), table)).toEqual([]);
  });

  it("name a type the table has no entry for (a NAT gateway, billed by the hour)", () => {
    const json = synthScope((scope) => new NatGateway(scope, "nat", { subnetId: "subnet-1", connectivityType: "private" }));
    expect(typesWithoutEntry(typesOf(json), table)).toEqual(["aws_nat_gateway"]);
  });

  it("price with prices the table has, and use every price it has", () => {
    const referenced = Object.values(table.resourceTypes).flatMap((e) => ("priced" in e ? e.priced : []));
    expect([...new Set(referenced)].sort()).toEqual([...PRICE_KEYS, INSTANCE_PRICE].sort());
  });
});

describe("the us-east-1 table", () => {
  it("is dated, in dollars, each price with an AWS pricing page and how it was checked", () => {
    expect(table).toEqual(expect.objectContaining({ region: "us-east-1", currency: "USD", date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }));
    for (const key of PRICE_KEYS) {
      expect({ key, source: table.prices[key].source }).toEqual({ key, source: expect.stringMatching(/^https:\/\/aws\.amazon\.com\//) });
      expect(table.prices[key].checked.length).toBeGreaterThan(20);
    }
  });

  it("prices the default instance type, and only x86_64 types the generator can run on", () => {
    expect(table.ec2Instances[resolveSettings().instanceType]).toBeDefined();
    for (const type of Object.keys(table.ec2Instances)) expect({ type, problem: x86InstanceTypeProblem(type) }).toEqual({ type, problem: undefined });
  });

  it("bills Firehose in units the default pack fits in once", () => {
    expect(PACK_BYTES_DEFAULT).toBeLessThanOrEqual(table.prices["firehose.ingestion"].roundedUpToBytes!);
  });

  it("stands in for a region without its own table", () => {
    expect(priceTableFor("eu-west-1")).toEqual({ table, substituted: true });
    expect(priceTableFor("us-east-1")).toEqual({ table, substituted: false });
  });
});

describe("a malformed table", () => {
  const problem = (edit: (t: Record<string, any>) => void): string => {
    const t = raw();
    edit(t);
    try {
      checkPriceTable(t, "prices.test.json");
    } catch (error) {
      expect(error).toBeInstanceOf(PriceTableError);
      return (error as PriceTableError).problems.join("\n");
    }
    throw new Error("the table was accepted");
  };

  it.each([
    ["a missing price", (t: any) => delete t.prices["s3.get"], "prices.test.json: prices.s3.get must be an object with usd, unit, source and checked"],
    [
      "a negative price",
      (t: any) => (t.prices["lambda.requests"].usd = -1),
      "prices.test.json: prices.lambda.requests.usd must be a number of dollars, 0 or more",
    ],
    ["a price without its source", (t: any) => delete t.prices["ebs.gp3"].source, "prices.test.json: prices.ebs.gp3.source must be a non-empty string"],
    ["an unknown price", (t: any) => (t.prices["nat.hours"] = t.prices["ebs.gp3"]), "prices.test.json: prices.nat.hours must be one of"],
    [
      "no Firehose rounding",
      (t: any) => delete t.prices["firehose.ingestion"].roundedUpToBytes,
      "prices.firehose.ingestion.roundedUpToBytes must be the bytes each record is rounded up to",
    ],
    [
      "an entry both priced and free",
      (t: any) => (t.resourceTypes.aws_vpc = { priced: ["ebs.gp3"], noCharge: "free" }),
      'resourceTypes.aws_vpc must be { "priced": [price keys] } or { "noCharge": "why it costs nothing" }',
    ],
    [
      "an entry priced by an unknown price",
      (t: any) => (t.resourceTypes.aws_vpc = { priced: ["vpc.hours"] }),
      "resourceTypes.aws_vpc.priced must be a list of ec2.instance or keys of prices (not vpc.hours)",
    ],
    ["an undated table", (t: any) => (t.date = "December 2026"), "prices.test.json: date must be the day the prices were checked, YYYY-MM-DD"],
    [
      "an instance type without its hourly price",
      (t: any) => (t.ec2Instances["t3.micro"] = { checked: "x" }),
      "ec2Instances.t3.micro must be { usdPerHour: dollars, checked: how it was confirmed }",
    ],
  ])("is refused for %s, naming the file and the key", (_, edit, message) => {
    expect(problem(edit)).toContain(message);
  });

  it("that is not JSON is refused naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-prices-"));
    try {
      writeFileSync(join(dir, "prices.x.json"), "{ region: ");
      expect(() => loadPriceTable(join(dir, "prices.x.json"))).toThrow(
        new RegExp(`^Unusable price table: ${join(dir, "prices.x.json")} cannot be read as JSON`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
