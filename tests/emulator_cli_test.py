#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""The k6-schedules-emulator binary as scripts use it: its flags, its first line, its signals.

    emulator_cli_test.py PATH_TO_EMULATOR
"""
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

EMULATOR = sys.argv[1]
# The version --version must print: the library's, from its header.
VERSION = re.search(r'#define K6_SCHEDULES_VERSION_STRING "([^"]+)"',
                    open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "include", "k6", "schedules",
                                      "version.hpp"), encoding="utf-8").read()).group(1)
TOKEN = "cli-test-token"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def start(*flags):
    process = subprocess.Popen([EMULATOR, "--token", TOKEN, "--stack-id", "9", *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline()
    return process, json.loads(first)


def get(url, path, ca_file=None, token=TOKEN):
    request = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + token, "X-Stack-Id": "9"})
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def stop(process, sig):
    process.send_signal(sig)
    return process.wait(timeout=10)


# HTTPS by default, with a CA the clients can trust; a free port; exits 0 on SIGTERM.
with tempfile.TemporaryDirectory() as certs:
    process, first = start("--cert-dir", certs)
    check(set(first) == {"url", "ca_file"}, "the first line is one JSON object with url and ca_file")
    check(first["url"].startswith("https://127.0.0.1:"), "HTTPS on 127.0.0.1 by default: " + first["url"])
    check(first["ca_file"] == os.path.join(certs, "ca.pem") and os.path.isfile(first["ca_file"]),
          "the CA is written into --cert-dir")
    status, body = get(first["url"], "/cloud/v6/schedules", first["ca_file"])
    check(status == 200 and body == {"value": []}, "an empty listing over verified TLS")
    status, body = get(first["url"], "/cloud/v6/schedules", first["ca_file"], token="wrong")
    check(status == 401 and body["error"]["code"] == "unauthenticated", "a wrong token is 401 with an error body")
    check(stop(process, signal.SIGTERM) == 0, "SIGTERM: exit status 0")

# Plain HTTP on a chosen port; SIGINT.
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
process, first = start("--http", "--port", str(port))
check(first == {"url": f"http://127.0.0.1:{port}", "ca_file": None}, "--http --port N: " + json.dumps(first))
check(get(first["url"], "/cloud/v6/schedules")[0] == 200, "plain HTTP answers")
check(stop(process, signal.SIGINT) == 0, "SIGINT: exit status 0")

# --data: what was set survives a restart.
with tempfile.TemporaryDirectory() as work:
    data = os.path.join(work, "data.json")
    process, first = start("--http", "--data", data)
    request = urllib.request.Request(first["url"] + "/cloud/v6/load_tests/3/schedule", method="POST",
                                     data=json.dumps({"starts": "2030-01-01T00:00:00Z"}).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN, "X-Stack-Id": "9",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        created = json.loads(response.read())
    stop(process, signal.SIGTERM)
    process, first = start("--http", "--data", data)
    status, body = get(first["url"], f"/cloud/v6/schedules/{created['id']}")
    check(status == 200 and body["load_test_id"] == 3, "--data: the schedule is there after a restart")
    stop(process, signal.SIGTERM)

# GET /cloud/v6/auth: --stack-url and --default-project-id, and their defaults.
def auth(url, stack_url, token=TOKEN):
    request = urllib.request.Request(url + "/cloud/v6/auth",
                                     headers={"Authorization": "Bearer " + token, "X-Stack-Url": stack_url})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


process, first = start("--http")
check(auth(first["url"], "https://emulator.grafana.net") == (200, {"stack_id": 9, "default_project_id": 1}),
      "auth: https://emulator.grafana.net and default project 1 by default")
stop(process, signal.SIGTERM)
process, first = start("--http", "--stack-url", "https://cli.grafana.net", "--default-project-id", "31")
check(auth(first["url"], "https://cli.grafana.net") == (200, {"stack_id": 9, "default_project_id": 31}),
      "auth: --stack-url and --default-project-id answer the stack id and the project")
status, body = auth(first["url"], "https://emulator.grafana.net")
check(status == 403 and body["error"]["code"] == "permission_denied", "auth: another stack URL is 403")
status, body = auth(first["url"], "https://cli.grafana.net", token="wrong")
check(status == 401 and body["error"]["code"] == "unauthenticated", "auth: a wrong token is 401")
stop(process, signal.SIGTERM)

# --help and usage errors.
help_run = subprocess.run([EMULATOR, "--help"], capture_output=True, text=True)
check(help_run.returncode == 0 and "--latency-ms" in help_run.stdout, "--help prints usage, exit 0")
check("--version" in help_run.stdout, "--help mentions --version")
check("--stack-url URL" in help_run.stdout and "--default-project-id N" in help_run.stdout,
      "--help documents --stack-url and --default-project-id")
version_run = subprocess.run([EMULATOR, "--version"], capture_output=True, text=True)
check(version_run.returncode == 0 and version_run.stdout == f"k6-schedules-emulator {VERSION}\n"
      and version_run.stderr == "", f"--version prints k6-schedules-emulator {VERSION}, exit 0")
for flags, says in [(["--bogus"], "unknown option --bogus"), (["--port", "70000"], "--port"),
                    (["--error-rate", "2"], "--error-rate"), (["--now", "yesterday"], "--now"),
                    (["--load-tests", "5-1"], "--load-tests"), (["--error-burst", "0"], "--error-burst"),
                    (["--retry-after", "+soon"], "--retry-after"), (["--stall-rate", "-1"], "--stall-rate"),
                    (["--stall-ms", "x"], "--stall-ms"), (["--drop-rate", "1.5"], "--drop-rate"),
                    (["--stack-url", "emulator.grafana.net"], "--stack-url"),
                    (["--default-project-id", "0"], "--default-project-id")]:
    bad = subprocess.run([EMULATOR, "--token", TOKEN, *flags], capture_output=True, text=True)
    check(bad.returncode == 2 and says in bad.stderr, f"{' '.join(flags)}: exit 2, names the problem")
no_token = subprocess.run([EMULATOR], capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "")})
check(no_token.returncode == 2 and "token" in no_token.stderr, "no token: exit 2")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
