#!/usr/bin/env python3
"""Sends generated operational-risk loss events to a Firehose delivery stream.

The lab's generator replayed a CSV with one put_record call per second into a stream whose name
was hard-coded. This one takes the stream, region and rate as arguments, sends with
PutRecordBatch, re-sends exactly the records that failed, and writes one JSON object per line.

  python3 generator.py --dry-run --count 5          # print records instead of sending
  python3 generator.py --stream Source --region us-east-1 --rate 1
"""
import argparse
import datetime
import json
import logging
import random
import signal
import sys
import time

REGIONS = ["EMEA", "North America", "Asia Pac"]
BUSINESSES = [
    "Retail Banking", "Retail Brokerage", "Trading and Sales", "Commercial Banking",
    "Agency Services", "Corporate Finance", "Asset Management",
]
STATUSES = ["Under Review", "Approved", "Not Started", "In Progress", "Rejected"]
RISK_SUBCATEGORIES = {
    "Clients, Products and Business Practices": [
        "Advisory Activities", "Improper Business or Market Practices", "Product Flaws",
        "Selection, Sponsorship and Exposure", "Suitability, Disclosures and Fiduciary",
    ],
    "Execution, Delivery and Process Management": [
        "Customer Intake and Documentation", "Customer/Client Account Management",
        "Reporting and Disclosure", "Trade Counterparties", "Transaction/Data Management",
        "Vendors and Suppliers",
    ],
    "External Fraud": ["Systems Security", "Theft and Fraud"],
    "Employment Practices and Workplace Safety": [
        "Diversity and Discrimination", "Employee Relations", "Safe Environment",
    ],
    "Business Disruption and System Failures": ["Infrastructure and Systems"],
    "Internal Fraud": ["Theft and Fraud", "Unauthorized Activity"],
    "Damage to Physical Assets": ["Disaster and other events", "Willful Damage"],
}

MAX_BATCH_RECORDS = 500          # PutRecordBatch limit
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_ATTEMPTS = 8

log = logging.getLogger("generator")


def make_record(rng, sequence):
    """One loss event shaped like the lab's records, with typed values."""
    category = rng.choice(sorted(RISK_SUBCATEGORIES))
    discovery = datetime.date(2007, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 12))
    occurrence = discovery + datetime.timedelta(days=rng.randrange(-30, 60))
    gross = round(rng.uniform(1_000, 500_000), -2)
    recovery = round(gross * rng.uniform(0, 0.4))
    return {
        "Region": rng.choice(REGIONS),
        "Business": rng.choice(BUSINESSES),
        "Name": "LE-%02d-%03d" % (discovery.year % 100, sequence % 1000),
        "Status": rng.choice(STATUSES),
        "RiskCategory": category,
        "RiskSubCategory": rng.choice(RISK_SUBCATEGORIES[category]),
        "DiscoveryDate": discovery.isoformat(),
        "OccurrenceStartDate": occurrence.isoformat(),
        "NetLoss": round(gross - recovery + rng.uniform(-500, 500), 2),
        "RecoveryAmount": recovery,
        "EstimatedGrossLoss": gross,
    }


def encode(record):
    """One record as Firehose receives it: a JSON object followed by a newline."""
    return (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8")


class FirehoseSender:
    """Batches records and sends them with PutRecordBatch, re-sending only the failed ones."""

    def __init__(self, client, stream, sleep=time.sleep):
        self.client = client
        self.stream = stream
        self.sleep = sleep
        self.pending = []
        self.pending_bytes = 0
        self.sent = 0
        self.given_up = 0

    def add(self, data):
        if len(self.pending) == MAX_BATCH_RECORDS or self.pending_bytes + len(data) > MAX_BATCH_BYTES:
            self.flush()
        self.pending.append(data)
        self.pending_bytes += len(data)

    def flush(self):
        batch, self.pending, self.pending_bytes = self.pending, [], 0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if not batch:
                return
            try:
                response = self.client.put_record_batch(
                    DeliveryStreamName=self.stream, Records=[{"Data": d} for d in batch])
            except Exception as error:  # throttling, network: the whole batch is retried
                log.warning("PutRecordBatch of %d records failed (attempt %d): %s", len(batch), attempt, error)
                failed = batch
            else:
                results = response.get("RequestResponses", [])
                failed = [d for d, r in zip(batch, results) if "ErrorCode" in r]
                self.sent += len(batch) - len(failed)
                if failed:
                    log.warning("%d of %d records failed (attempt %d), re-sending them",
                                len(failed), len(batch), attempt)
            batch = failed
            if batch and attempt < MAX_ATTEMPTS:
                self.sleep(min(20.0, 0.1 * 2 ** attempt) * random.uniform(0.5, 1.0))
        if batch:
            self.given_up += len(batch)
            log.error("gave up on %d records after %d attempts", len(batch), MAX_ATTEMPTS)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", help="delivery stream name (required unless --dry-run)")
    parser.add_argument("--region", help="AWS region of the stream")
    parser.add_argument("--rate", type=float, default=1.0, help="records per second; 0 = as fast as possible")
    parser.add_argument("--count", type=int, help="stop after this many records (default: run until stopped)")
    parser.add_argument("--seed", type=int, help="random seed, for repeatable output")
    parser.add_argument("--dry-run", action="store_true", help="print records to stdout instead of sending")
    args = parser.parse_args(argv)
    if args.rate < 0:
        parser.error("--rate must be 0 or more")
    if args.count is not None and args.count < 0:
        parser.error("--count must be 0 or more")
    if not args.dry_run and not args.stream:
        parser.error("--stream is required unless --dry-run")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    rng = random.Random(args.seed)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    if args.dry_run:
        sender = None
        out = sys.stdout.buffer
    else:
        import boto3  # only needed when sending
        sender = FirehoseSender(boto3.client("firehose", region_name=args.region), args.stream)

    interval = 1.0 / args.rate if args.rate > 0 else 0.0
    # Batch as many records as arrive in about a second, so a slow rate still sends promptly.
    batch_size = max(1, min(MAX_BATCH_RECORDS, int(args.rate))) if args.rate > 0 else MAX_BATCH_RECORDS
    started = time.monotonic()
    sequence = 0
    try:
        while not stopping and (args.count is None or sequence < args.count):
            data = encode(make_record(rng, sequence))
            sequence += 1
            if sender is None:
                out.write(data)
            else:
                sender.add(data)
                if len(sender.pending) >= batch_size:
                    sender.flush()
            if interval:
                delay = started + sequence * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
    except KeyboardInterrupt:
        pass
    finally:
        if sender is not None:
            sender.flush()
            log.info("sent %d records, gave up on %d", sender.sent, sender.given_up)
    return 1 if sender is not None and sender.given_up else 0


if __name__ == "__main__":
    sys.exit(main())
