-- The lab's analytics (Kinesis Data Analytics for SQL): copy every loss event from the input
-- stream into the output stream, which the application writes as JSON to the Destination stream.
-- The lab's text had an unbalanced quote after SOURCE_SQL_STREAM_001; this is the fixed version.

-- Output columns are unquoted, so the service upper-cases them: REGION, NETLOSS, ...
CREATE OR REPLACE STREAM "DESTINATION_SQL_BASIC_STREAM" (
    Region              VARCHAR(16),
    Business            VARCHAR(32),
    Name                VARCHAR(16),
    Status              VARCHAR(16),
    RiskCategory        VARCHAR(64),
    RiskSubCategory     VARCHAR(64),
    DiscoveryDate       DATE,
    OccurrenceStartDate DATE,
    NetLoss             DOUBLE,
    RecoveryAmount      DOUBLE,
    EstimatedGrossLoss  DOUBLE
);

-- Input columns keep the record's field names, so they are quoted in source case.
CREATE OR REPLACE PUMP "STREAM_PUMP_1" AS
    INSERT INTO "DESTINATION_SQL_BASIC_STREAM"
    SELECT STREAM
        "Region", "Business", "Name", "Status", "RiskCategory", "RiskSubCategory",
        "DiscoveryDate", "OccurrenceStartDate", "NetLoss", "RecoveryAmount", "EstimatedGrossLoss"
    FROM "SOURCE_SQL_STREAM_001";
