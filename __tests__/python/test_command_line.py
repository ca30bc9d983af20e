"""generator.py as the instance runs it: the command line, the stop signal, what it imports, and
Python 3.9 (what Amazon Linux 2023 ships)."""
import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from support import GENERATOR, LAB_DATA, NEEDS_LAB_DATA, SCHEMA


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

    def test_usage_errors_name_the_option(self):
        for args, message in [(["--count", "1"], "--stream is required unless --dry-run"),
                              (["--dry-run", "--rate", "-1"], "--rate must be a number, 0 or more"),
                              (["--dry-run", "--rate", "nan"], "--rate must be a number, 0 or more"),
                              (["--dry-run", "--count", "-2"], "--count must be 0 or more")]:
            with self.subTest(args):
                result = run(*args)
                self.assertEqual(result.returncode, 2)
                self.assertIn(message, result.stderr)

    def test_a_missing_replay_file_stops_it_naming_the_file(self):
        result = run("--dry-run", "--replay", "no-such-file.csv")
        self.assertEqual(result.returncode, 2)
        self.assertIn("cannot start", result.stderr)
        self.assertIn("no-such-file.csv", result.stderr)

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
            self.assertIn("cannot send without boto3", sending.stderr)  # and the fake was on the path

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
