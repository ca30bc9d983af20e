#!/usr/bin/env python3
"""Starts moto's server as the lab's local AWS: on 127.0.0.1, over TLS with a certificate made for
this run, with what the lab needs from AWS that moto 5.2.1 does differently, corrected here (and only
here, so the stack is never bent to suit the emulator):

- S3 bucket policies see `aws:SecureTransport`. moto evaluates a bucket policy with no request
  context and treats a `Bool` condition as met, so a policy denying `aws:SecureTransport = false`
  denies every object request, over TLS too. Here the condition is evaluated from the request's
  scheme, and a statement whose condition is not met does not apply (as in AWS).
- S3 notifications to Lambda are kept for the lab's Lambda runner instead of being run by moto,
  which runs functions only in Docker and otherwise drops the event without a word. The event gets
  the fields AWS's S3 sends that moto leaves out (versionId, sequencer, identities, a UTC time).
- A function's code can be downloaded: GetFunction's Code.Location points at this server, which
  serves the deployment package exactly as Terraform uploaded it.
- Revoking a security group rule by an ID the group does not hold answers
  InvalidSecurityGroupRuleId.NotFound, as EC2 does (moto answers InvalidPermission.NotFound, which
  the AWS provider does not expect there, so a revoke that already took effect failed the apply).
- A call the client retries after it was answered gets that answer again instead of running twice
  (see AnswersByInvocation).

Prints one JSON line when it is ready: {"endpoint", "ca", "plain"?, "pid"}. Exit status 2 with one
line on stderr when it cannot start (moto missing or another version, the port in use).

  python3 local/moto_launcher.py --tls-dir DIR [--port 0] [--plain-port 0] [--stop-with-parent]
"""
import argparse
import datetime
import errno
import ipaddress
import json
import os
import secrets
import signal
import sys
import threading
from urllib.parse import quote_plus

REQUIREMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "requirements.txt")


def pinned_moto():
    """The moto version requirements.txt pins (the one this launcher's corrections are written for)."""
    with open(REQUIREMENTS, encoding="utf-8") as f:
        for line in f:
            if line.startswith("moto[server]=="):
                return line.strip().split("==", 1)[1]
    raise SystemExit("local AWS: %s pins no moto[server] version" % REQUIREMENTS)


PINNED_MOTO = pinned_moto()
INSTALL = "python3 -m pip install 'moto[server]==%s'" % PINNED_MOTO
LAB_API = "/_lab/"

request_context = threading.local()
lambda_events = []  # S3 notifications to Lambda, oldest first, until the runner takes them
lambda_events_lock = threading.Lock()


def fail(message):
    sys.stderr.write("local AWS: %s\n" % message)
    sys.exit(2)


def check_moto():
    try:
        import moto
    except ImportError:
        fail("moto is not installed for %s; install it with: %s" % (sys.executable, INSTALL))
    if moto.__version__ != PINNED_MOTO:
        fail("moto %s is installed, but this launcher corrects moto %s's answers and is checked only with it; "
             "install it with: %s" % (moto.__version__, PINNED_MOTO, INSTALL))


# --- The run's certificates ---------------------------------------------------------------------

def make_certificates(folder):
    """A CA made for this run and a server certificate for IP:127.0.0.1 signed by it. The CA's key is
    never written: nothing else can ever be signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    os.makedirs(folder, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    valid = dict(not_valid_before=now - datetime.timedelta(minutes=5), not_valid_after=now + datetime.timedelta(days=7))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "streaming-lab local AWS CA %s" % secrets.token_hex(4))])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(valid["not_valid_before"])
          .not_valid_after(valid["not_valid_after"])
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(valid["not_valid_before"]).not_valid_after(valid["not_valid_after"])
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(folder, name) for name in ("ca.pem", "server.pem", "server-key.pem")}
    pem = serialization.Encoding.PEM
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(pem))
    with open(paths["server.pem"], "wb") as f:
        f.write(server.public_bytes(pem))
    with open(os.open(paths["server-key.pem"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


# --- Corrections of moto 5.2.1 ------------------------------------------------------------------

def condition_met(condition, context):
    """True or False for the conditions evaluated here (Bool on a key of the request context);
    None for any other, which keeps moto's own answer."""
    for operator, pairs in condition.items():
        if operator != "Bool":
            return None
        for key, expected in pairs.items():
            if key not in context:
                return None
            values = expected if isinstance(expected, list) else [expected]
            if context[key] not in [str(v).lower() for v in values]:
                return False
    return True


def bucket_permission(bucket, action, resource):
    """A bucket policy's verdict on an object request, with aws:SecureTransport from its scheme."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy.decode())
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    context = {"aws:securetransport": "true" if getattr(request_context, "secure", False) else "false"}
    permitted = False
    for statement in statements:
        condition = {op: {k.lower(): v for k, v in pairs.items()} for op, pairs in (statement.get("Condition") or {}).items()}
        met = condition_met(condition, context) if condition else True
        if met is False:
            continue  # the statement does not apply to this request
        if met is True:
            statement = {k: v for k, v in statement.items() if k != "Condition"}
        result = IAMPolicyStatement(statement).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


def complete_s3_event(original):
    """moto's S3 event with the fields AWS's S3 sends too, for every notification destination."""
    def build(event_name, bucket, key, notification_id):
        event = original(event_name, bucket, key, notification_id)
        now = datetime.datetime.now(datetime.timezone.utc)
        principal = getattr(request_context, "principal", "AWS:local")
        for record in event["Records"]:
            record["eventTime"] = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
            record["userIdentity"] = {"principalId": principal}
            record["requestParameters"] = {"sourceIPAddress": getattr(request_context, "remote", "127.0.0.1")}
            record["responseElements"] = {"x-amz-request-id": secrets.token_hex(8).upper(), "x-amz-id-2": secrets.token_urlsafe(48)}
            record["s3"]["bucket"]["ownerIdentity"] = {"principalId": principal}
            obj = record["s3"]["object"]
            obj["key"] = quote_plus(key.name, safe="/")  # as S3 encodes it: "/" kept, " " as "+"
            if getattr(key, "version_id", None) not in (None, "null"):
                obj["versionId"] = key.version_id
            obj["sequencer"] = "%016X" % int(now.timestamp() * 1_000_000)
        return event
    return build


def keep_lambda_event(account_id, event_body, fn_arn, region_name):
    with lambda_events_lock:
        lambda_events.append({"functionArn": fn_arn, "event": event_body})


def revoke_by_rule_id(original, direction):
    """moto's Revoke*(SecurityGroupRuleIds) with EC2's error for an ID the group does not hold."""
    from moto.ec2.exceptions import InvalidSecurityGroupRuleIdNotFoundError

    def revoke(self, group_name_or_id, *args, security_rule_ids=None, vpc_id=None, **kwargs):
        if security_rule_ids:
            group = self.get_security_group_by_name_or_id(group_name_or_id, vpc_id)
            held = {rule.id for rule in getattr(group, direction + "_rules", [])}
            for rule_id in security_rule_ids:
                if rule_id not in held:
                    print("local AWS: Revoke%s of %s: %s holds no such rule (InvalidSecurityGroupRuleId.NotFound)"
                          % (direction.capitalize(), rule_id, group_name_or_id), file=sys.stderr, flush=True)
                    raise InvalidSecurityGroupRuleIdNotFoundError(rule_id)
        return original(self, group_name_or_id, *args, security_rule_ids=security_rule_ids, vpc_id=vpc_id, **kwargs)
    return revoke


def correct_moto(endpoint):
    from moto.awslambda import models as lambda_models
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.s3 import models as s3_models
    from moto.s3 import notifications

    s3_models.FakeBucket.get_permission = bucket_permission
    notifications._get_s3_event = complete_s3_event(notifications._get_s3_event)
    notifications._invoke_awslambda = keep_lambda_event

    original_get_code = lambda_models.LambdaFunction.get_code

    def get_code(self):
        response = original_get_code(self)
        if "Location" in response.get("Code", {}):
            response["Code"]["Location"] = "%s%slambda-code/%s/%s/%s" % (endpoint, LAB_API, self.account_id, self.region, self.function_name)
        return response

    lambda_models.LambdaFunction.get_code = get_code

    for direction in ("ingress", "egress"):
        name = "revoke_security_group_" + direction
        setattr(SecurityGroupBackend, name, revoke_by_rule_id(getattr(SecurityGroupBackend, name), direction))


# --- The server ---------------------------------------------------------------------------------

class AnswersByInvocation:
    """Answers a retried request with the answer its first attempt got, instead of running it again.

    Under load, the AWS provider sometimes never reads an answer moto's server has written (the
    server logs it as sent) and retries the call: a create then fails with EntityAlreadyExists, a
    revoke with NotFound, for work already done. AWS SDKs send the same amz-sdk-invocation-id on
    every attempt of one call and number the attempts (amz-sdk-request: attempt=N), so the answer to
    each call that changes something is kept by its id. Reads run again, as they safely can.
    """
    KEEP = 1024  # calls remembered (the newest); a retry comes within seconds

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = {}  # invocation id -> {"done": Event set once answered, "answer": (status, headers, body)}

    def call(self, environ, start_response, app):
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if invocation is None or environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return app(environ, start_response)
        attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "attempt=1").partition(";")[0]
        with self.lock:
            kept = self.answers.get(invocation)
            first = kept is None
            if first:
                self.answers[invocation] = kept = {"done": threading.Event()}
                while len(self.answers) > self.KEEP:
                    del self.answers[next(iter(self.answers))]
        if not first:
            kept["done"].wait(60)
            if "answer" in kept:
                status, headers, body = kept["answer"]
                print("local AWS: %s of a call already answered (%s %s): answered as before, not run again"
                      % (attempt, environ.get("REQUEST_METHOD"), environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO")),
                      file=sys.stderr, flush=True)
                start_response(status, headers)
                return [body]
            return app(environ, start_response)  # the first attempt never got an answer: run this one
        try:
            captured = {}

            def keep_start(status, headers, exc_info=None):
                captured["status"], captured["headers"] = status, headers
                return start_response(status, headers, exc_info)
            chunks = app(environ, keep_start)
            try:
                body = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
            kept["answer"] = (captured["status"], captured["headers"], body)
            return [body]
        finally:
            kept["done"].set()


class LabApplication:
    """moto's WSGI application, with the request's scheme and caller noted for the corrections above,
    and the lab's two endpoints: the Lambda events kept, and function code."""

    def __init__(self, moto_app):
        self.moto_app = moto_app
        self.answered = AnswersByInvocation()

    def __call__(self, environ, start_response):
        request_context.secure = environ.get("wsgi.url_scheme") == "https"
        request_context.remote = environ.get("REMOTE_ADDR", "127.0.0.1")
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        request_context.principal = "AWS:" + authorization.partition("Credential=")[2].partition("/")[0] if "Credential=" in authorization else "AWS:local"
        path = environ.get("PATH_INFO", "")
        if path.startswith(LAB_API):
            return self.lab_api(path[len(LAB_API):], start_response)
        return self.answered.call(environ, start_response, self.moto_app)

    def lab_api(self, path, start_response):
        if path == "lambda-events":
            with lambda_events_lock:
                taken = lambda_events[:]
                del lambda_events[:]
            return self.reply(start_response, "200 OK", "application/json", json.dumps(taken).encode())
        parts = path.split("/")
        if len(parts) == 4 and parts[0] == "lambda-code":
            from moto.awslambda.utils import get_backend
            try:
                function = get_backend(parts[1], parts[2]).get_function(parts[3])
            except Exception:
                return self.reply(start_response, "404 Not Found", "text/plain", b"no such function\n")
            return self.reply(start_response, "200 OK", "application/zip", function.code_bytes)
        return self.reply(start_response, "404 Not Found", "text/plain", b"unknown lab endpoint\n")

    @staticmethod
    def reply(start_response, status, content_type, body):
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]


def read_until_closed(fd):
    """Reads a file descriptor until its end (os.read takes no interpreter lock at shutdown, unlike sys.stdin)."""
    while os.read(fd, 4096):
        pass


def serve(app, host, port, ssl_context=None):
    from werkzeug.serving import make_server
    try:
        return make_server(host, port, app, threaded=True, ssl_context=ssl_context)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            fail("port %d on %s is already in use; choose another with --port, or stop what is listening there" % (port, host))
        fail("cannot listen on %s:%d: %s" % (host, port, error.strerror or error))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="TLS port (0: any free port)")
    parser.add_argument("--plain-port", type=int, help="also serve plain HTTP on this port (0: any), to prove TLS-only policies")
    parser.add_argument("--tls-dir", required=True, help="folder for the run's CA and server certificate")
    parser.add_argument("--stop-with-parent", action="store_true",
                        help="stop when standard input closes: the parent holds it open, so its end, however abrupt, ends the server")
    args = parser.parse_args(argv)
    check_moto()

    import ssl
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    paths = make_certificates(args.tls_dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths["server.pem"], paths["server-key.pem"])
    app = LabApplication(DomainDispatcherApplication(create_backend_app))
    tls = serve(app, args.host, args.port, context)
    endpoint = "https://%s:%d" % (args.host, tls.server_port)
    correct_moto(endpoint)
    servers = [tls]
    ready = {"endpoint": endpoint, "ca": os.path.abspath(paths["ca.pem"]), "pid": os.getpid()}
    if args.plain_port is not None:
        plain = serve(app, args.host, args.plain_port)
        servers.append(plain)
        ready["plain"] = "http://%s:%d" % (args.host, plain.server_port)
        threading.Thread(target=plain.serve_forever, daemon=True).start()

    def stop(*_):
        threading.Thread(target=lambda: [s.shutdown() for s in servers], daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.stop_with_parent:
        threading.Thread(target=lambda: (read_until_closed(0), stop()), daemon=True).start()
    print(json.dumps(ready), flush=True)
    tls.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
