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

# --generate N: N made-up schedules next to --data's, varied, valid, reproducible.
SEED_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "emulator_seed.json")
NOW = "2025-06-15T10:30:00Z"


def list_all(url, ca_file=None):
    """The @count of a listing and every item of it, page by page along @nextLink."""
    items, path, count = [], "/cloud/v6/schedules?$top=1000&$count=true", None
    while path:
        status, body = get(url, path, ca_file)
        if status != 200:
            raise RuntimeError(f"listing: HTTP {status} {body}")
        count = body.get("@count") if count is None else count
        items += body["value"]
        link = body.get("@nextLink")
        path = link[len(url):] if link else None
    return count, items


def valid(schedule):
    """The API's rules for a schedule (tests/integration/emulator_test.cpp checks them with the library)."""
    rule, cron = schedule.get("recurrence_rule"), schedule.get("cron")
    if rule and cron:
        return False
    if cron and not (cron["schedule"] and cron["time_zone"]):
        return False
    if rule:
        if rule["frequency"] not in ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY") or rule["interval"] < 1:
            return False
        if (rule.get("count") or 1) < 1 or (rule.get("count") and rule.get("until")):
            return False
        if rule.get("byday") and rule["frequency"] != "WEEKLY":
            return False
    return re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", schedule["starts"]) is not None


with tempfile.TemporaryDirectory() as work:
    data = os.path.join(work, "data.json")
    with open(SEED_DATA, encoding="utf-8") as source, open(data, "w", encoding="utf-8") as copy:
        copy.write(source.read())
    seeded = len(json.load(open(SEED_DATA, encoding="utf-8"))["schedules"])
    process, first = start("--cert-dir", os.path.join(work, "certs"), "--data", data, "--generate", "3000",
                           "--now", NOW)
    count, items = list_all(first["url"], first["ca_file"])
    stop(process, signal.SIGTERM)
    check(count == 3000 + seeded and len(items) == count,
          f"--generate 3000 with --data: @count {count}, {len(items)} listed over HTTPS (want {3000 + seeded})")
    check(len({s["id"] for s in items}) == len(items) and len({s["load_test_id"] for s in items}) == len(items),
          "distinct ids, one schedule per load test")
    check(all(1 <= s["load_test_id"] <= 3100 for s in items), "load tests within the default 1-(N+100)")
    rules = [s["recurrence_rule"] for s in items if s.get("recurrence_rule")]
    check({r["frequency"] for r in rules} == {"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"},
          "RRULEs of every frequency")
    check(any(r["interval"] > 1 for r in rules) and any(r.get("byday") for r in rules)
          and any(r.get("count") for r in rules) and any(r.get("until") for r in rules),
          "RRULEs with interval, byday, count and until")
    zones = {s["cron"]["time_zone"] for s in items if s.get("cron")}
    check(len(zones) >= 10 and "America/Argentina/Buenos_Aires" in zones, f"cron in {len(zones)} time zones")
    check(any(not s.get("cron") and not s.get("recurrence_rule") for s in items[seeded:]), "one-off schedules")
    check(any(s["deactivated"] for s in items[seeded:]) and any(not s["deactivated"] for s in items[seeded:]),
          "some deactivated, most not")
    check(any(s.get("next_run") is None for s in items[seeded:]) and
          all(s.get("next_run") for s in items[seeded:] if s["deactivated"]),
          "some expired; only schedules that still run are deactivated")
    check(all(valid(s) for s in items), "every schedule keeps the API's rules")
    with open(data, encoding="utf-8") as stored:
        check(len(json.load(stored)["schedules"]) == 3000 + seeded, "--data FILE holds the generated schedules")
    # Without --generate, a restart serves what the file holds.
    process, first = start("--http", "--data", data, "--now", NOW)
    again = list_all(first["url"])
    stop(process, signal.SIGTERM)
    check(again == (count, items), "a restart without --generate serves the same schedules from --data")

# The same --seed and clock, the same schedules; another seed, others.
runs = {}
for seed in ("7", "7", "8"):
    process, first = start("--http", "--generate", "2000", "--seed", seed, "--now", NOW)
    runs.setdefault(seed, []).append(list_all(first["url"]))
    stop(process, signal.SIGTERM)
check(runs["7"][0] == runs["7"][1] and runs["7"][0][0] == 2000, "--generate with the same --seed: the same data")
check(runs["7"][0][1] != runs["8"][0][1], "--generate with another --seed: other data")

# An explicit --load-tests bounds the load tests used.
process, first = start("--http", "--generate", "150", "--load-tests", "1000-1200", "--now", NOW)
count, items = list_all(first["url"])
stop(process, signal.SIGTERM)
check(count == 150 and all(1000 <= s["load_test_id"] <= 1200 for s in items),
      "--generate 150 --load-tests 1000-1200: on those load tests")
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
check("--generate N" in help_run.stdout, "--help mentions --generate")
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
                    (["--generate", "1000001"], "--generate must be a whole number from 0 to 1000000"),
                    (["--generate", "-1"], "--generate"),
                    (["--generate", "101", "--load-tests", "1-100"], "--generate 101 needs as many load tests"),
                    (["--stack-url", "emulator.grafana.net"], "--stack-url"),
                    (["--default-project-id", "0"], "--default-project-id")]:
    bad = subprocess.run([EMULATOR, "--token", TOKEN, *flags], capture_output=True, text=True)
    check(bad.returncode == 2 and says in bad.stderr, f"{' '.join(flags)}: exit 2, names the problem")
no_token = subprocess.run([EMULATOR], capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "")})
check(no_token.returncode == 2 and "token" in no_token.stderr, "no token: exit 2")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
