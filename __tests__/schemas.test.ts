import { describeErrors, validateDestinationRecord, validateSourceRecord } from "../schemas/validate";

const RECORD = {
  Region: "EMEA",
  Business: "Retail Brokerage",
  Name: "LE_06_2",
  Status: "Under Review",
  RiskCategory: "Clients, Products and Business Practices",
  RiskSubCategory: "Product Flaws",
  DiscoveryDate: "2007-01-01",
  OccurrenceStartDate: "2007-01-02",
  NetLoss: 296555,
  RecoveryAmount: 83035,
  EstimatedGrossLoss: 291100,
};
const upperCased = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toUpperCase(), v]));

describe("loss-event schemas", () => {
  it("accept a lab record, and the same row as the analytics output names it", () => {
    expect(validateSourceRecord(RECORD)).toBe(true);
    expect(validateDestinationRecord(upperCased(RECORD))).toBe(true);
  });

  it("name the field of each problem", () => {
    expect(validateSourceRecord({ ...RECORD, RiskSubCategory: "Willful Damage", DiscoveryDate: "2007-02-30" })).toBe(false);
    expect(describeErrors(validateSourceRecord.errors).map((e) => e.split(":")[0])).toEqual(["RiskSubCategory", "DiscoveryDate"]);
    expect(validateDestinationRecord(RECORD)).toBe(false);
  });
});
