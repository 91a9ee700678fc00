#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""k6-schedules end to end, as shells and CI pipelines use it: every command, both output modes,
every exit status, environment versus flags, and the token never shown.

    cli_test.py GROUP K6_SCHEDULES EMULATOR SEED_DATA
    GROUP: commands | json | exit-codes | precedence | verbose | secrets
"""
import http.server
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import threading

GROUP, CLI, EMULATOR, SEED = sys.argv[1:5]
# The version --version must print: the library's, from its header.
VERSION = re.search(r'#define K6_SCHEDULES_VERSION_STRING "([^"]+)"',
                    open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "include", "k6", "schedules",
                                      "version.hpp"), encoding="utf-8").read()).group(1)
TOKEN = "cli-secret-token-7a6b5c4d"
STACK = "31"
failures = []
outputs = []  # every stdout and stderr seen, for the secrets group


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


class Emulator:
    def __init__(self, *flags, tls=True):
        self.work = tempfile.mkdtemp()
        shutil.copy(SEED, os.path.join(self.work, "data.json"))
        args = [EMULATOR, "--token", TOKEN, "--stack-id", STACK, "--data", os.path.join(self.work, "data.json"),
                "--now", "2025-01-15T12:00:00Z", "--load-tests", "1-500", *flags]
        args += ["--cert-dir", os.path.join(self.work, "certs")] if tls else ["--http"]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        started = json.loads(self.process.stdout.readline())
        self.url, self.ca_file = started["url"], started["ca_file"]

    def env(self, **extra):
        env = {"PATH": os.environ.get("PATH", ""), "K6_CLOUD_API_URL": self.url, "K6_CLOUD_TOKEN": TOKEN,
               "K6_CLOUD_STACK_ID": STACK}
        if self.ca_file:
            env["K6_CLOUD_CA_FILE"] = self.ca_file
        env.update(extra)
        return {k: v for k, v in env.items() if v is not None}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.work, ignore_errors=True)


def k6(env, *args):
    result = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=60)
    outputs.append(result.stdout)
    outputs.append(result.stderr)
    return result


def group_commands():
    e = Emulator()
    env = e.env()
    r = k6(env, "get", "1")
    check(r.returncode == 0 and "schedule    1" in r.stdout and "cron 0 7 * * MON-FRI" in r.stdout
          and "Europe/Berlin" in r.stdout and "next run    2025-01-16T06:00:00.000Z" in r.stdout, "get: a readable summary")
    r = k6(env, "set", "7", "--starts", "2025-01-01T00:00:00Z", "--cron", "@daily")
    check(r.returncode == 0 and "load test   7" in r.stdout and "time zone   UTC" in r.stdout, "set --cron: time zone defaults to UTC")
    r = k6(env, "set", "8", "--starts", "2025-01-06T10:00:00+01:00", "--frequency", "WEEKLY", "--interval", "2",
           "--byday", "MO,FR", "--count", "5", "--until", "2026-01-01T00:00:00Z")
    check(r.returncode == 0 and "WEEKLY every 2 weeks on MO,FR, 5 runs, until 2026-01-01T00:00:00.000Z" in r.stdout,
          "set --frequency with every rule option")
    r = k6(env, "set", "9", "--starts", "2031-05-05T05:05:05Z")
    check(r.returncode == 0 and "rule        once" in r.stdout and "next run    2031-05-05T05:05:05.000Z" in r.stdout,
          "set with neither cron nor rule: a single run")
    once = re.search(r"^schedule\s+(\d+)$", r.stdout, re.M).group(1)
    r = k6(env, "show", "2")
    check(r.returncode == 0 and "HOURLY every 2 hours" in r.stdout, "show: a schedule by id")
    r = k6(env, "list")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and lines[0].startswith("ID") and "NEXT RUN" in lines[0] and len(lines) == 1 + 7,
          "list: a header and one row per schedule")
    check(any("deactivated" in line for line in lines), "list: the state column")
    r = k6(env, "list", "--top", "3", "--count")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 1 + 3 + 1 and "7 schedules in total" in r.stdout,
          "list --top --count: one page and the total")
    r = k6(env, "list", "--top", "2", "--skip", "6")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 2, "list --skip: the last schedule only")
    r = k6(env, "list", "--top", "2", "--all")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 1 + 7 and r.stderr == "",
          "list --all: every page; no progress when stderr is not a terminal")
    # On a terminal, list --all reports its progress on stderr.
    primary, secondary = pty.openpty()
    progress = subprocess.run([CLI, "list", "--top", "3", "--all"], env=env, stdout=subprocess.PIPE, stderr=secondary,
                              text=True, timeout=60)
    os.close(secondary)
    shown = os.read(primary, 65536).decode()
    os.close(primary)
    outputs.append(shown)
    check(progress.returncode == 0 and "page 3: 7 schedules so far" in shown, "list --all on a terminal: progress on stderr")
    r = k6(env, "next", "1", "-n", "3", "--after", "2025-01-17T12:00:00Z")
    check(r.returncode == 0 and r.stdout.splitlines()[1:] == ["2025-01-20T06:00:00.000Z", "2025-01-21T06:00:00.000Z",
                                                              "2025-01-22T06:00:00.000Z"], "next: runs computed locally")
    r = k6(env, "next", "--load-test", "2", "--after", "2025-01-16T09:00:00Z")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 11 and "2025-01-16T10:46:04.021Z" in r.stdout,
          "next --load-test: default of 10 runs")
    check(k6(env, "deactivate", "1").returncode == 0 and "deactivated" in k6(env, "show", "1").stdout, "deactivate")
    check(k6(env, "activate", "1").returncode == 0 and "active" in k6(env, "show", "1").stdout, "activate")
    r = k6(env, "delete", once)
    check(r.returncode == 0 and r.stdout == "" and k6(env, "show", once).returncode == 1, "delete")
    r = k6(env, "--help")
    check(r.returncode == 0 and "COMMANDS" in r.stdout and "next (SCHEDULE_ID | --load-test ID)" in r.stdout, "--help")
    check('"k6-schedules --version"' in r.stdout, "--help mentions --version")
    r = k6(env, "--version")
    check(r.returncode == 0 and r.stdout == f"k6-schedules {VERSION}\n" and r.stderr == "",
          f"--version prints k6-schedules {VERSION}, exit 0")
    for command in ["get", "set", "list", "show", "delete", "activate", "deactivate", "next"]:
        r = k6(env, command, "--help")
        check(r.returncode == 0 and r.stdout.startswith("usage: k6-schedules [GLOBAL OPTIONS] " + command),
              f"{command} --help")
    e.stop()


def group_json():
    e = Emulator()
    env = e.env()
    r = k6(env, "--json", "get", "1")
    doc = json.loads(r.stdout)
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 1 and set(doc) == {
        "id", "load_test_id", "starts", "recurrence_rule", "cron", "deactivated", "next_run", "created_by"},
        "get --json: one object on one line with the API's field names")
    r = k6(env, "show", "4", "--json")
    check(json.loads(r.stdout)["recurrence_rule"]["byday"] == ["SA", "SU"], "global flags after the command too")
    r = k6(env, "--json", "set", "11", "--starts", "2025-02-01T00:00:00Z", "--frequency", "DAILY")
    check(r.returncode == 0 and json.loads(r.stdout)["recurrence_rule"]["frequency"] == "DAILY", "set --json")
    r = k6(env, "--json", "list", "--top", "2", "--all", "--count")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and len(lines) == 6 and lines[-1] == {"@count": 5}
          and [x["id"] for x in lines[:-1]] == [1, 2, 3, 4, 5], "list --json --all --count: NDJSON, then {\"@count\": N}")
    r = k6(env, "--json", "list")
    check(len(r.stdout.splitlines()) == 5 and "@count" not in r.stdout, "list --json without --count")
    for command in (["delete", "3"], ["activate", "4"], ["deactivate", "4"]):
        r = k6(env, "--json", *command)
        check(r.returncode == 0 and r.stdout == "", f"{command[0]} --json prints nothing")
    r = k6(env, "--json", "next", "2", "-n", "2", "--after", "2025-01-16T09:00:00Z")
    check(r.stdout.splitlines() == ["2025-01-16T10:46:04.021Z", "2025-01-16T12:46:04.021Z"],
          "next --json: one RFC 3339 UTC time per line")
    e.stop()


class Garbage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"id": "not a number"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def group_exit_codes():
    e = Emulator()
    env = e.env()
    check(k6(env, "show", "1").returncode == 0, "0: ok")
    r = k6(env, "show", "404")
    check(r.returncode == 1 and r.stderr.strip() == "error: HTTP 404 not_found: Schedule not found.",
          "1: the API's error, in one line")
    r = k6(env, "set", "1", "--starts", "2025-01-01T00:00:00Z", "--frequency", "DAILY", "--interval", "0")
    check(r.returncode == 2 and "recurrence_rule.interval" in r.stderr, "2: validation before sending")
    r = k6(env, "set", "1", "--starts", "2025-01-01T00:00:00Z", "--cron", "0 0 * * *", "--time-zone", "Mars/Base")
    check(r.returncode == 2 and "(target: cron.time_zone)" in r.stderr, "2: an unknown time zone, checked locally")
    r = k6(env, "list", "--bogus")
    check(r.returncode == 2 and "unknown option --bogus" in r.stderr and "usage: k6-schedules" in r.stderr,
          "2: a wrong flag names itself and prints usage")
    check(k6(env, "frobnicate").returncode == 2, "2: an unknown command")
    check(k6(env, "show").returncode == 2, "2: a missing argument")
    check(k6(env, "show", "abc").returncode == 2, "2: an id that is not a number")
    check(k6(env, "list", "--top", "1001").returncode == 2, "2: $top over 1000")
    check(k6(env, "set", "1", "--cron", "@daily").returncode == 2, "2: --starts missing")
    check(k6(env, "set", "1", "--starts", "tomorrow").returncode == 2, "2: --starts not RFC 3339")
    check(k6(env, "set", "1", "--starts", "2025-01-01T00:00:00Z", "--cron", "@daily", "--frequency", "DAILY").returncode
          == 2, "2: both --cron and --frequency")
    r = k6(e.env(K6_CLOUD_TOKEN=None), "show", "1")
    check(r.returncode == 2 and "K6_CLOUD_TOKEN is not set" in r.stderr, "2: no token")
    r = k6(env, "--retries", "0", "--api-url", "https://127.0.0.1:1", "show", "1")
    check(r.returncode == 3 and r.stderr.startswith("error: transport:"), "3: transport failure")
    r = k6(e.env(K6_CLOUD_CA_FILE=None), "--retries", "0", "show", "1")
    check(r.returncode == 3 and r.stderr.startswith("error: tls:"), "3: TLS failure (no trusted CA)")
    stalled = Emulator("--latency-ms", "5000")
    r = k6(stalled.env(), "--timeout", "0.3", "--retries", "0", "show", "1")
    check(r.returncode == 3 and r.stderr.startswith("error: timeout:"), "3: timeout")
    stalled.stop()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    r = k6(env, "--api-url", f"http://127.0.0.1:{server.server_address[1]}", "show", "1")
    check(r.returncode == 4 and r.stderr.startswith("error: malformed_response:") and "(target: id)" in r.stderr,
          "4: malformed response")
    server.shutdown()
    e.stop()


def group_precedence():
    e = Emulator()
    check(k6(e.env(K6_CLOUD_TOKEN="wrong"), "--token", TOKEN, "show", "1").returncode == 0, "--token wins over the environment")
    check(k6(e.env(), "--token", "wrong", "show", "1").returncode == 1, "--token is used when given (401)")
    check(k6(e.env(K6_CLOUD_STACK_ID="999"), "--stack-id", STACK, "show", "1").returncode == 0, "--stack-id wins")
    check(k6(e.env(), "--stack-id", "999", "show", "1").returncode == 1, "--stack-id is used when given (403)")
    check(k6(e.env(K6_CLOUD_API_URL="https://127.0.0.1:1"), "--api-url", e.url, "show", "1").returncode == 0,
          "--api-url wins")
    check(k6(e.env(K6_CLOUD_CA_FILE="/nonexistent.pem"), "--ca-file", e.ca_file, "show", "1").returncode == 0,
          "--ca-file wins")
    check(k6(e.env(), "show", "1").returncode == 0, "the environment alone is enough")
    e.stop()


ATTEMPT_LINE = re.compile(r"^(GET|POST|DELETE) /cloud/v6/\S+ -> (\d{3}|[a-z_]+) in \d+ ms"
                          r"(, retry in \d+ ms|, no retry: .+)?$")


def group_verbose():
    e = Emulator("--error-rate", "0.5", "--seed", "1")  # half the answers 500 or 503, seeded
    env = e.env()
    lines = []
    for flag in ("-v", "--verbose", "-v", "-v"):
        r = k6(env, flag, "--retries", "10", "show", "1")
        check(r.returncode == 0 and "schedule    1" in r.stdout, f"show {flag}: the output is the same, through the faults")
        run = r.stderr.splitlines()
        check(run and all(ATTEMPT_LINE.match(line) for line in run), f"show {flag}: stderr is one line per attempt")
        check(run and run[-1].startswith("GET /cloud/v6/schedules/1 -> 200 in "), f"show {flag}: the last attempt got 200")
        lines += run
    check(any(re.match(r"^GET /cloud/v6/schedules/1 -> 50[03] in \d+ ms, retry in \d+ ms$", line) for line in lines),
          "-v: a failed attempt says when the next one comes")
    r = k6(env, "get", "1", "-v", "--retries", "10")
    check(r.returncode == 0 and r.stderr.splitlines()[-1].startswith("GET /cloud/v6/load_tests/1/schedule -> 200 in "),
          "-v after the command works too")
    r = k6(env, "-v", "--retries", "0", "show", "999999")
    attempts = [line for line in r.stderr.splitlines() if ATTEMPT_LINE.match(line)]
    check(r.returncode == 1 and len(attempts) == 1 and ", no retry: " in attempts[0],
          "-v: the last failed attempt says why no retry follows")
    quiet = k6(env, "--retries", "10", "show", "1")
    check(quiet.returncode == 0 and quiet.stderr == "", "without -v, nothing about attempts on stderr")
    e.stop()


def group_secrets():
    for runner in (group_commands, group_json, group_exit_codes, group_precedence, group_verbose):
        runner()
    leaked = [text for text in outputs if TOKEN in text]
    check(not leaked, f"the token appears in none of {len(outputs)} outputs (stdout and stderr)")


{"commands": group_commands, "json": group_json, "exit-codes": group_exit_codes, "precedence": group_precedence,
 "verbose": group_verbose, "secrets": group_secrets}[GROUP]()
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
