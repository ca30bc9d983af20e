"""The launcher answers a retried call with its first answer (local/moto_launcher.py, AnswersByInvocation)."""
import importlib.util
import os
import unittest

LAUNCHER = os.path.join(os.path.dirname(__file__), "..", "..", "local", "moto_launcher.py")
spec = importlib.util.spec_from_file_location("moto_launcher", LAUNCHER)
moto_launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(moto_launcher)


class CountingApp:
    """A WSGI app that creates something each time it runs, as a create call does."""

    def __init__(self, fail_first=False):
        self.runs = 0
        self.fail_first = fail_first

    def __call__(self, environ, start_response):
        self.runs += 1
        if self.fail_first and self.runs == 1:
            raise ConnectionError("the first attempt died before it answered")
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<created>%d</created>" % self.runs]


def call(answers, app, method="POST", invocation="inv-1", attempt="attempt=1; max=3"):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/"}
    if invocation is not None:
        environ["HTTP_AMZ_SDK_INVOCATION_ID"] = invocation
        environ["HTTP_AMZ_SDK_REQUEST"] = attempt
    seen = {}
    body = b"".join(answers.call(environ, lambda status, headers, exc_info=None: seen.update(status=status), app))
    return seen["status"], body


class RetriedCalls(unittest.TestCase):
    def test_a_retried_call_gets_the_first_answer_and_is_not_run_again(self):
        answers, app = moto_launcher.AnswersByInvocation(), CountingApp()
        first = call(answers, app)
        retried = call(answers, app, attempt="attempt=2; max=3")
        self.assertEqual(retried, first)
        self.assertEqual(app.runs, 1)

    def test_another_call_runs(self):
        answers, app = moto_launcher.AnswersByInvocation(), CountingApp()
        call(answers, app, invocation="inv-1")
        self.assertEqual(call(answers, app, invocation="inv-2"), ("200 OK", b"<created>2</created>"))

    def test_a_read_runs_again(self):
        answers, app = moto_launcher.AnswersByInvocation(), CountingApp()
        call(answers, app, method="GET")
        call(answers, app, method="GET", attempt="attempt=2; max=3")
        self.assertEqual(app.runs, 2)

    def test_a_call_without_an_invocation_id_runs_each_time(self):
        answers, app = moto_launcher.AnswersByInvocation(), CountingApp()
        call(answers, app, invocation=None)
        call(answers, app, invocation=None)
        self.assertEqual(app.runs, 2)

    def test_a_retry_runs_when_the_first_attempt_never_answered(self):
        answers, app = moto_launcher.AnswersByInvocation(), CountingApp(fail_first=True)
        with self.assertRaises(ConnectionError):
            call(answers, app)
        self.assertEqual(call(answers, app, attempt="attempt=2; max=3"), ("200 OK", b"<created>2</created>"))

    def test_remembers_only_the_newest_calls(self):
        answers, app = moto_launcher.AnswersByInvocation(), CountingApp()
        for i in range(answers.KEEP + 1):
            call(answers, app, invocation="inv-%d" % i)
        call(answers, app, invocation="inv-0", attempt="attempt=2; max=3")
        self.assertEqual(app.runs, answers.KEEP + 2)  # inv-0 was forgotten, so it ran again
        self.assertEqual(len(answers.answers), answers.KEEP)


if __name__ == "__main__":
    unittest.main()
