"""Sending, against a fake Firehose client (a stand-in: there is no AWS account here) that
throttles and partially fails: every record is sent exactly once or reported, none dropped."""
import collections
import logging
import os
import random
import signal
import threading
import unittest

from support import FakeFirehose, generator


def records(n, size=40):
    return [("%06d" % i).encode().ljust(size, b"x") + b"\n" for i in range(n)]


def sender_for(client, pack_bytes=0, clock=None):
    sleeps = []
    extra = {"clock": clock} if clock else {}
    return generator.FirehoseSender(client, "Source", pack_bytes, sleep=sleeps.append, rng=random.Random(1), **extra), sleeps


class FirehoseSenderTest(unittest.TestCase):
    def assertSentOnce(self, client, data):
        counts = collections.Counter(client.delivered)
        self.assertEqual(sorted(counts), sorted(data), "every record delivered")
        self.assertEqual(max(counts.values()), 1, "no record delivered twice")

    def test_fake_firehose_that_throttles_and_partially_fails_gets_every_record_exactly_once(self):
        client = FakeFirehose(script=["throttle", 7, "throttle", 3, 1])
        sender, sleeps = sender_for(client)
        data = records(1200)
        with self.assertLogs("generator", logging.WARNING):
            for d in data:
                sender.add(d)
            sender.flush()
        self.assertSentOnce(client, data)
        self.assertEqual((sender.sent, sender.given_up), (1200, 0))
        # Retries re-send exactly the records that failed, nothing else.
        self.assertEqual([len(batch) for _, batch in client.calls], [500, 500, 7, 7, 3, 1, 500, 200])
        self.assertEqual(client.calls[2][1], client.calls[1][1][:7])
        self.assertEqual(client.calls[4][1], client.calls[3][1][:3])
        self.assertEqual(len(sleeps), 5)  # one backoff after each failed attempt

    def test_fake_firehose_backoff_grows_with_jitter_and_retries_are_bounded(self):
        client = FakeFirehose(default="throttle")
        sender, sleeps = sender_for(client)
        with self.assertLogs("generator", logging.ERROR) as logs:
            sender.add(b"{}\n")
            sender.flush()
        self.assertEqual(len(client.calls), generator.MAX_ATTEMPTS)
        self.assertEqual(len(sleeps), generator.MAX_ATTEMPTS - 1)
        for attempt, delay in enumerate(sleeps, start=1):
            self.assertTrue(0.05 * 2 ** attempt <= delay <= 0.1 * 2 ** attempt, (attempt, delay))
        self.assertEqual((sender.sent, sender.given_up), (0, 1))
        self.assertIn("gave up on 1 records after 8 attempts", logs.output[-1])

    def test_fake_firehose_records_that_keep_failing_are_reported_with_their_count(self):
        client = FakeFirehose(default=2)  # the first two records of every call fail
        sender, _ = sender_for(client)
        data = records(10)
        with self.assertLogs("generator", logging.WARNING) as logs:
            for d in data:
                sender.add(d)
            sender.flush()
        self.assertEqual((sender.sent, sender.given_up), (8, 2))
        self.assertEqual(len(client.delivered) + sender.given_up, len(data))
        self.assertEqual(len(set(client.delivered)), 8)
        self.assertIn("ERROR:generator:gave up on 2 records after 8 attempts", logs.output)

    def test_fake_firehose_an_error_no_retry_can_fix_gives_up_at_once(self):
        client = FakeFirehose(default="fatal")
        sender, sleeps = sender_for(client)
        with self.assertLogs("generator", logging.WARNING) as logs:
            for d in records(3):
                sender.add(d)
            sender.flush()
        self.assertEqual((len(client.calls), sleeps, sender.given_up), (1, [], 3))
        self.assertIn("ResourceNotFoundException", logs.output[0])

    def test_fake_firehose_records_without_a_result_are_resent_not_counted_as_sent(self):
        client = FakeFirehose(script=["no-results"])
        sender, _ = sender_for(client)
        data = records(4)
        with self.assertLogs("generator", logging.WARNING):
            for d in data:
                sender.add(d)
            sender.flush()
        self.assertSentOnce(client, data)
        self.assertEqual(sender.sent, 4)

    def test_batches_stay_within_500_records_and_4_mib(self):
        client = FakeFirehose()
        sender, _ = sender_for(client)
        data = records(30, size=200 * 1024)  # 30 x 200 KiB: 20 fit in 4 MiB
        for d in data:
            sender.add(d)
        sender.flush()
        sizes = [(len(batch), sum(map(len, batch))) for _, batch in client.calls]
        self.assertEqual([n for n, _ in sizes], [20, 10])
        self.assertTrue(all(b <= generator.MAX_BATCH_BYTES for _, b in sizes))
        self.assertSentOnce(client, data)

    def test_a_record_over_firehoses_size_limit_is_reported_not_sent(self):
        client = FakeFirehose()
        sender, _ = sender_for(client)
        with self.assertLogs("generator", logging.ERROR) as logs:
            sender.add(b"x" * (generator.MAX_RECORD_BYTES + 1))
            sender.flush()
        self.assertEqual((client.calls, sender.given_up), ([], 1))
        self.assertIn("gave up on 1 records of 1024001 bytes (Firehose takes at most 1024000)", logs.output[0])

    def test_fake_firehose_records_given_up_are_named_by_their_numbers(self):
        client = FakeFirehose(default=2)  # the first two of every call fail
        sender, _ = sender_for(client)
        sender.named = lambda pairs: "%s of data.csv" % generator.lines_of(pairs)
        with self.assertLogs("generator", logging.WARNING) as logs:
            for line, d in zip([2, 3, 5, 6], records(4)):
                sender.add(d, line)
            sender.add(b"x" * (generator.MAX_RECORD_BYTES + 1), 9)
            sender.flush()
        self.assertIn("ERROR:generator:gave up on 1 records (line 9 of data.csv) of 1024001 bytes", logs.output[0])
        self.assertIn("ERROR:generator:gave up on 2 records (lines 2-3 of data.csv) after 8 attempts", logs.output)
        self.assertEqual((sender.sent, sender.given_up), (2, 3))

    def test_errors_of_the_client_itself_that_no_retry_fixes_give_up_at_once(self):
        for name in ["NoCredentialsError", "ParamValidationError"]:
            error = type(name, (Exception,), {})  # botocore's classes, by name (no botocore needed here)

            class Refusing:
                calls = 0

                def put_record_batch(self, **_):
                    self.calls += 1
                    raise error("refused before sending")
            client = Refusing()
            sender, sleeps = sender_for(client)
            with self.subTest(name), self.assertLogs("generator", logging.WARNING):
                sender.add(b"{}\n", 1)
                sender.flush()
            self.assertEqual((client.calls, sleeps, sender.given_up), (1, [], 1))


class PackingTest(unittest.TestCase):
    def test_records_are_packed_whole_up_to_the_pack_size_and_a_longer_one_goes_alone(self):
        client = FakeFirehose()
        sender, _ = sender_for(client, pack_bytes=100)
        data = records(5, size=40) + [b"y" * 150 + b"\n"] + records(3, size=60)
        for d in data:
            sender.add(d)
        sender.flush()
        self.assertEqual(len(client.calls), 1)
        # 41 + 41 fit in 100; a third would not; 151 goes alone; 61 + 61 would not fit.
        self.assertEqual([len(d) for d in client.delivered], [82, 82, 41, 151, 61, 61, 61])
        self.assertEqual(b"".join(client.delivered), b"".join(data))
        self.assertEqual(sender.sent, 9)

    def test_without_packing_each_record_is_one_firehose_record(self):
        client = FakeFirehose()
        sender, _ = sender_for(client)
        data = records(4)
        for d in data:
            sender.add(d)
        sender.flush()
        self.assertEqual(client.delivered, data)

    def test_a_failed_packed_record_is_resent_whole_and_its_records_are_counted_once(self):
        client = FakeFirehose(script=[1])  # the first Firehose record of the first call fails
        sender, _ = sender_for(client, pack_bytes=1000)
        data = records(60, size=40)  # 24 to a Firehose record: 24, 24, 12
        with self.assertLogs("generator", logging.WARNING) as logs:
            for d in data:
                sender.add(d)
            sender.flush()
        self.assertEqual([len(batch) for _, batch in client.calls], [3, 1])
        self.assertEqual(client.calls[1][1], client.calls[0][1][:1])
        self.assertEqual(sorted(client.delivered), sorted([b"".join(data[:24]), b"".join(data[24:48]), b"".join(data[48:])]))
        self.assertEqual((sender.sent, sender.given_up), (60, 0))
        self.assertIn("24 of 60 records failed (attempt 1 of 8, ServiceUnavailableException)", logs.output[0])

    def test_records_of_a_packed_record_given_up_are_named_by_their_lines(self):
        client = FakeFirehose(default=1)  # the first Firehose record of every call fails
        sender, _ = sender_for(client, pack_bytes=100)
        sender.named = lambda pairs: "%s of data.csv" % generator.lines_of(pairs)
        with self.assertLogs("generator", logging.WARNING) as logs:
            for line, d in zip([2, 3, 5, 6], records(4)):
                sender.add(d, line)
            sender.flush()
        self.assertIn("ERROR:generator:gave up on 2 records (lines 2-3 of data.csv) after 8 attempts", logs.output)
        self.assertEqual((sender.sent, sender.given_up), (2, 2))

    def test_a_packed_batch_stays_within_500_firehose_records_and_4_mib(self):
        client = FakeFirehose()
        sender, _ = sender_for(client, pack_bytes=generator.MAX_RECORD_BYTES)
        data = records(6000, size=1000)  # 1,001 bytes each: 1,022 to a Firehose record, 4 per call
        for d in data:
            sender.add(d)
        sender.flush()
        for _, batch in client.calls:
            self.assertLessEqual(len(batch), generator.MAX_BATCH_RECORDS)
            self.assertLessEqual(sum(map(len, batch)), generator.MAX_BATCH_BYTES)
            self.assertTrue(all(len(d) <= generator.MAX_RECORD_BYTES for d in batch))
        self.assertEqual(b"".join(client.delivered), b"".join(data))

    def test_what_is_pending_is_due_one_flush_interval_after_its_first_record(self):
        now = [100.0]
        sender, _ = sender_for(FakeFirehose(), pack_bytes=5000, clock=lambda: now[0])
        self.assertEqual(sender.wait(), float("inf"))
        sender.add(b"{}\n")
        now[0] += 0.4
        sender.add(b"{}\n")
        self.assertAlmostEqual(sender.wait(), generator.FLUSH_SECONDS - 0.4)
        now[0] += 0.6
        self.assertLessEqual(sender.wait(), 0)
        sender.flush()
        self.assertEqual(sender.wait(), float("inf"))

    def test_a_slow_rate_is_flushed_at_least_once_a_second_packed(self):
        client = FakeFirehose()
        with self.assertLogs("generator", logging.INFO):
            status = generator.main(["--stream", "Source", "--rate", "4", "--count", "6", "--seed", "1", "--pack-bytes", "5000"], firehose=client)
        self.assertEqual(status, 0)
        # About 4 records in the first second, the rest when it stops: packed, never held longer.
        # (A real clock: on a loaded machine the first second's pack may take 3 or 5.)
        packs = [[d.count(b"\n") for d in batch] for _, batch in client.calls]
        self.assertEqual([len(batch) for batch in packs], [1, 1], packs)
        self.assertEqual(sum(sum(batch) for batch in packs), 6, packs)
        self.assertTrue(2 <= packs[0][0] <= 5, packs)


class MainSendingTest(unittest.TestCase):
    def run_main(self, argv, client):
        with self.assertLogs("generator", logging.INFO) as logs:
            status = generator.main(argv, firehose=client)
        return status, logs.output

    def test_fake_firehose_sigterm_stops_the_generator_after_sending_what_it_buffered(self):
        client = FakeFirehose(script=[3])
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        try:  # 50 records/s in batches of 50: at 0.3 s about 15 are buffered, none sent yet
            status, output = self.run_main(["--stream", "Source", "--rate", "50", "--seed", "3"], client)
        finally:
            timer.cancel()
        made = int(next(line for line in output if "made " in line).split("made ")[1].split()[0])
        self.assertEqual(status, 0)
        self.assertTrue(5 <= made < 50, made)
        self.assertEqual(len(client.delivered), made)
        self.assertEqual(len(set(client.delivered)), made)
        self.assertEqual(len(client.calls), 2)  # the stop flush, and the re-send of its 3 failures
        self.assertIn("sent %d records, gave up on 0" % made, output[-1])
        self.assertIs(signal.getsignal(signal.SIGTERM), signal.SIG_DFL)

    def test_fake_firehose_exits_1_when_records_were_given_up(self):
        status, output = self.run_main(["--stream", "Source", "--rate", "0", "--count", "5"], FakeFirehose(default="fatal"))
        self.assertEqual(status, 1)
        self.assertIn("sent 0 records, gave up on 5", output[-1])

    def test_fake_firehose_sends_each_record_as_one_json_line(self):
        client = FakeFirehose()
        status, _ = self.run_main(["--stream", "Source", "--rate", "0", "--count", "501", "--seed", "1"], client)
        self.assertEqual(status, 0)
        self.assertEqual([(stream, len(batch)) for stream, batch in client.calls], [("Source", 500), ("Source", 1)])
        self.assertTrue(all(d.endswith(b"}\n") and d.count(b"\n") == 1 for d in client.delivered))


if __name__ == "__main__":
    unittest.main()
