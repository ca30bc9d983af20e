"""generator.py as the instance runs it: the command line, the stop signal, what it imports, and
Python 3.9 (what Amazon Linux 2023 ships)."""
import ast
import contextlib
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from support import GENERATOR, LAB_DATA, NEEDS_LAB_DATA, SCHEMA, generator


def run(*args, env=None, script=GENERATOR):
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True, timeout=60, env=env)


class CommandLineTest(unittest.TestCase):
    def test_dry_run_prints_count_records_one_json_object_per_line(self):
        result = run("--dry-run", "--count", "25", "--rate", "0", "--seed", "4")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.split("\n")
        self.assertEqual(lines.pop(), "")
        self.assertEqual(len(lines), 25)
        self.assertTrue(all(isinstance(json.loads(line), dict) for line in lines))
        self.assertIn("made 25 records", result.stderr)

    def test_usage_errors_are_one_line_naming_the_option_and_what_it_takes(self):
        for args, message in [
            (["--count", "1"], "--stream is required unless --dry-run"),
            (["--dry-run", "--rate", "-1"], 'argument --rate: "-1" is not allowed: it must be records per second, a number 0 or more'),
            (["--dry-run", "--rate", "nan"], 'argument --rate: "nan" is not allowed'),
            (["--dry-run", "--rate", "1e400"], 'argument --rate: "1e400" is not allowed'),
            (["--dry-run", "--rate", "fast"], 'argument --rate: "fast" is not allowed'),
            (["--dry-run", "--rate"], "argument --rate: expected one argument"),
            (["--dry-run", "--count", "-2"], 'argument --count: "-2" is not allowed: it must be a whole number, 0 or more'),
            (["--dry-run", "--count", "1.5"], 'argument --count: "1.5" is not allowed'),
            (["--dry-run", "--seed", "x"], 'argument --seed: "x" is not allowed: it must be a whole number'),
            (["--dry-run", "--pack-bytes", "-1"], 'argument --pack-bytes: "-1" is not allowed: it must be a whole number from 0 to 1024000'),
            (["--dry-run", "--pack-bytes", "1024001"], 'argument --pack-bytes: "1024001" is not allowed'),
            (["--dry-run", "--pack-bytes", "4KiB"], 'argument --pack-bytes: "4KiB" is not allowed'),
            (["--dry-run", "--replay", ""], 'argument --replay: "" is not allowed: it must be a CSV file or s3://BUCKET/KEY'),
            (["--dry-run", "--replay", "s3://bucket"], 'argument --replay: "s3://bucket" is not allowed'),
            (["--dry-run", "--replay", "s3://bucket/"], 'argument --replay: "s3://bucket/" is not allowed'),
            (["--dry-run", "--replay", "s3:///key"], 'argument --replay: "s3:///key" is not allowed'),
            (["--dry-run", "--progress-every", "0"], 'argument --progress-every: "0" is not allowed: it must be a number of seconds above 0'),
            (["--dry-run", "--progress-every", "inf"], 'argument --progress-every: "inf" is not allowed'),
            (["--dry-run", "--bogus"], "unrecognized arguments: --bogus"),
        ]:
            with self.subTest(args):
                errors = io.StringIO()
                with contextlib.redirect_stderr(errors), self.assertRaises(SystemExit) as stopped:
                    generator.parse_args(args)
                self.assertEqual(stopped.exception.code, 2)
                self.assertTrue(errors.getvalue().startswith("generator.py: " + message), errors.getvalue())
                self.assertTrue(errors.getvalue().endswith(" (see --help)\n"), errors.getvalue())
                self.assertEqual(errors.getvalue().count("\n"), 1)
        result = run("--dry-run", "--rate", "fast")  # and so does the script
        self.assertEqual((result.returncode, result.stdout), (2, ""))
        self.assertEqual(result.stderr.count("\n"), 1, result.stderr)

    def test_unusable_input_stops_it_with_one_line_naming_the_file_and_exit_2(self):
        with tempfile.TemporaryDirectory() as folder:
            def write(name, data):
                path = os.path.join(folder, name)
                with open(path, "wb") as f:
                    f.write(data)
                return path
            with open(SCHEMA, "rb") as f:
                schema = f.read()
            header = b"Region,Business,Name,Status,RiskCategory,RiskSubCategory,DiscoveryDate,OccurrenceStartDate,NetLoss,RecoveryAmount,EstimatedGrossLoss\n"
            cases = [
                (["--replay", os.path.join(folder, "nothing.csv")], "cannot read %s: No such file or directory" % os.path.join(folder, "nothing.csv")),
                (["--replay", folder], "cannot read %s: Is a directory" % folder),
                (["--replay", write("empty.csv", b"")], "empty.csv is empty; the header must name each of the schema's fields once"),
                (["--replay", write("header.csv", header)], "header.csv has no row after its header"),
                (["--replay", write("bad.csv", header + b"EMEA\n\xff\n")], "bad.csv: none of its 2 rows can be replayed (each is named above)"),
                (["--replay", write("binary.csv", bytes(range(256)) * 4)], "binary.csv line 1 (the header): "),
                (["--replay", write("twice.csv", header.replace(b"\n", b",Name\n"))], 'twice.csv line 1 (the header): column 12 "Name" repeats column 3'),
                (["--schema", os.path.join(folder, "none.json")], "cannot read the schema %s: No such file or directory" % os.path.join(folder, "none.json")),
                (["--schema", folder], "cannot read the schema %s: Is a directory" % folder),
                (["--schema", write("empty.json", b"")], "the schema %s is not JSON: Expecting value: line 1 column 1" % os.path.join(folder, "empty.json")),
                (["--schema", write("latin1.json", b'{"title": "\xe9"}')], "is not UTF-8"),
                (["--schema", write("twice.json", b'{"type": "object", "type": "string"}')], 'is not JSON: key "type" appears twice in one object'),
                (["--schema", write("nan.json", b'{"properties": {"x": {"maximum": NaN}}}')], "nan.json#/properties/x/maximum: NaN is not allowed: it must be a number"),
                (["--schema", write("nan-enum.json", b'{"properties": {"x": {"enum": [Infinity]}}}')], "nan-enum.json#/properties/x/enum: [Infinity] is not allowed"),
                (["--schema", write("deep.json", b"[" * 100000 + b"]" * 100000)], "deep.json is nested too deeply"),
                (["--replay", write("one.csv", header + b"EMEA,Retail Banking,LE_1,Approved,External Fraud,Theft and Fraud,2007-01-01,2007-01-02,1,2,3\n"),
                  "--schema", write("deep-rules.json", schema.replace(b'"minLength": 1,', b'"allOf": ' + b'[{"allOf": ' * 400 + b"[{}]" + b"}]" * 400 + b","))],
                 "deep-rules.json: nested too deeply for the generator"),
                (["--schema", write("array.json", schema.replace(b'"type": "number"', b'"type": "array"', 1))],
                 'array.json#/properties/NetLoss/type: "array" is not allowed: it must be one of string, number, integer, boolean, object'),
            ]
            for args, message in cases:
                with self.subTest(args):
                    with self.assertLogs("generator", logging.INFO) as logs:
                        status = generator.main(["--dry-run", "--rate", "0", "--count", "1", *args])
                    self.assertEqual(status, 2)
                    errors = [line for line in logs.output if line.startswith("ERROR")]
                    self.assertEqual(len(errors), 1, logs.output)
                    self.assertIn(message, errors[0])
                    self.assertTrue(errors[0].startswith("ERROR:generator:cannot start: "), errors[0])
            result = run("--dry-run", "--replay", os.path.join(folder, "binary.csv"))  # the script: one line, no traceback
            self.assertEqual((result.returncode, result.stdout, result.stderr.count("\n")), (2, "", 1), result.stderr)

    def test_replay_sends_the_good_rows_names_the_bad_ones_and_exits_1(self):
        header = "Region,Business,Name,Status,RiskCategory,RiskSubCategory,DiscoveryDate,OccurrenceStartDate,NetLoss,RecoveryAmount,EstimatedGrossLoss\n"
        good = "EMEA,Retail Banking,LE_%d,Approved,External Fraud,Theft and Fraud,2007-01-01,2007-01-02,1,2,3\n"
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "rows.csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write(header + good % 2 + "EMEA,Retail Banking\n" + good % 4 + '"unclosed\n')
            result = run("--dry-run", "--rate", "0", "--count", "5", "--replay", path)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual([json.loads(line)["Name"] for line in result.stdout.splitlines()], ["LE_2", "LE_4", "LE_2", "LE_4", "LE_2"])
        log = result.stderr
        self.assertNotIn("Traceback", log)
        self.assertIn("rows.csv line 3 not replayed: it has 2 fields, the header 11", log)
        self.assertIn("rows.csv line 5 not replayed: a quoted field is not closed before the end of the file", log)
        self.assertIn("rows.csv: 2 rows to replay, 2 skipped (lines 3, 5)", log)
        self.assertIn("rows.csv pass 1: 2 of 4 rows sent, 2 skipped (lines 3, 5)", log)
        self.assertIn("rows.csv pass 3 (the last): 1 of 4 rows sent, 2 skipped (lines 3, 5)", log)
        self.assertIn("made 5 records", log)

    def test_logs_its_progress_as_often_as_asked(self):
        result = run("--dry-run", "--rate", "40", "--count", "8", "--progress-every", "0.05")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertGreaterEqual(len(re.findall(r"sent \d+ records so far, gave up on 0", result.stderr)), 2, result.stderr)

    def test_without_a_region_it_stops_with_one_line(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        result = run("--stream", "Source", "--count", "1", env=env)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
        self.assertIn("cannot start: cannot make an AWS firehose client (give --region)" if importlib.util.find_spec("boto3")
                      else "cannot start: cannot reach AWS without boto3", result.stderr)

    def test_sigterm_stops_it_cleanly_after_whole_records(self):
        process = subprocess.Popen([sys.executable, GENERATOR, "--dry-run", "--rate", "20"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = process.stdout.readline()  # it is running and writing
            process.send_signal(signal.SIGTERM)
            rest, errors = process.communicate(timeout=10)
        finally:
            process.kill()
        self.assertEqual(process.returncode, 0, errors)
        lines = (first + rest).split("\n")
        self.assertEqual(lines.pop(), "")
        self.assertTrue(all(isinstance(json.loads(line), dict) for line in lines))
        self.assertIn("made %d records" % len(lines), errors)

    def test_makes_records_without_boto3(self):
        with tempfile.TemporaryDirectory() as fake:
            with open(os.path.join(fake, "boto3.py"), "w") as f:
                f.write("raise ImportError('boto3 must not be imported to make records')\n")
            env = dict(os.environ, PYTHONPATH=fake)
            self.assertEqual(run("--dry-run", "--count", "3", "--rate", "0", env=env).returncode, 0)
            sending = run("--stream", "Source", "--count", "1", env=env)
            self.assertEqual(sending.returncode, 2)
            self.assertIn("without boto3 (dnf install python3-boto3)", sending.stderr)  # and the fake was on the path

    @unittest.skipUnless(os.path.exists(LAB_DATA), NEEDS_LAB_DATA)
    def test_replays_the_lab_file_without_boto3(self):
        with tempfile.TemporaryDirectory() as fake:
            with open(os.path.join(fake, "boto3.py"), "w") as f:
                f.write("raise ImportError('boto3')\n")
            result = run("--dry-run", "--rate", "0", "--count", "1403", "--replay", LAB_DATA, env=dict(os.environ, PYTHONPATH=fake))
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 1403)
        self.assertEqual(lines[1402], lines[0])  # it loops: row 1403 is row 1 again

    def test_reads_the_schema_next_to_it_as_on_the_instance(self):
        with tempfile.TemporaryDirectory() as opt:
            script = shutil.copy(GENERATOR, opt)
            missing = run("--dry-run", "--count", "1", script=script)
            self.assertEqual(missing.returncode, 2)
            self.assertIn("loss-event.schema.json", missing.stderr)
            shutil.copy(SCHEMA, opt)
            self.assertEqual(run("--dry-run", "--count", "1", "--rate", "0", script=script).returncode, 0)

    def test_is_python_3_9_syntax(self):
        with open(GENERATOR, encoding="utf-8") as f:
            ast.parse(f.read(), GENERATOR, feature_version=(3, 9))


if __name__ == "__main__":
    unittest.main()
