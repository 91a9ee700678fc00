#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""k6-schedules end to end, as shells and CI pipelines use it: every command, both output modes,
every exit status, environment versus flags, and the token never shown.

    cli_test.py GROUP K6_SCHEDULES EMULATOR SEED_DATA
    GROUP: commands | json | exit-codes | precedence | verbose | output | input | messages | bulk | upcoming | plan |
           day | completion | auth | secrets
"""
import datetime
import http.server
import json
import os
import pty
import re
import shutil
import ssl
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
    def __init__(self, *flags, tls=True, work=None):
        # `work`: the directory of an earlier emulator, to start again on its data file.
        self.work = work or tempfile.mkdtemp()
        if not work:
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

    def stop(self, keep_data=False):
        self.process.terminate()
        self.process.wait(timeout=10)
        if not keep_data:
            shutil.rmtree(self.work, ignore_errors=True)


def k6(env, *args):
    # stdin is never the terminal the tests run from: a question (delete --yes) would wait for it.
    result = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
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
    check([json.loads(line) for line in r.stdout.splitlines()] == [{"run": "2025-01-16T10:46:04.021Z"},
                                                                   {"run": "2025-01-16T12:46:04.021Z"}],
          "next --json: one JSON object {\"run\": TIME} per line")
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
    check(r.returncode == 1 and r.stderr.strip() == "error: HTTP 404 not_found: Schedule not found. (requested: GET "
          + e.url + "/cloud/v6/schedules/404)", "1: the API's error, in one line, with the URL of a 404")
    r = k6(env, "set", "1", "--starts", "2025-01-01T00:00:00Z", "--frequency", "DAILY", "--interval", "0")
    check(r.returncode == 2 and r.stderr.startswith("error: --interval must be at least 1, got 0")
          and "recurrence_rule" not in r.stderr and "(target" not in r.stderr,
          "2: validation before sending, naming the flag")
    r = k6(env, "set", "1", "--starts", "2025-01-01T00:00:00Z", "--cron", "0 0 * * *", "--time-zone", "Mars/Base")
    check(r.returncode == 2 and r.stderr.startswith('error: --time-zone "Mars/Base" is not a time zone'),
          "2: an unknown time zone, checked locally, naming the flag")
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
        first, *run = r.stderr.splitlines() or [""]
        check(first == "token from K6_CLOUD_TOKEN" and run and all(ATTEMPT_LINE.match(line) for line in run),
              f"show {flag}: stderr is the token's source, then one line per attempt")
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
    r = k6(env, "--json", "-v", "--retries", "10", "show", "1")
    first, *events = [json.loads(line) for line in r.stderr.splitlines()]
    events = [event["attempt"] for event in events]
    check(r.returncode == 0 and first == {"token_source": "K6_CLOUD_TOKEN"}
          and events and events[-1]["status"] == 200 and events[-1]["target"] == "/cloud/v6/schedules/1"
          and all("ms" in x for x in events), "-v under --json: one JSON object per attempt on stderr")
    quiet = k6(env, "--retries", "10", "show", "1")
    check(quiet.returncode == 0 and quiet.stderr == "", "without -v, nothing about attempts on stderr")
    e.stop()


def run_on_terminal(env, *args):
    """Runs the tool with stdout and stderr on one pseudo-terminal; returns (status, the screen's lines)
    after the terminal's own handling of carriage returns and erase-to-end-of-line (ESC [K)."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen([CLI, *args], env=env, stdout=secondary, stderr=secondary)
    os.close(secondary)
    raw = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        raw += chunk
    os.close(primary)
    status = process.wait(timeout=60)
    text = raw.decode().replace("\r\n", "\n")
    outputs.append(text)
    lines, line, column, i = [], [], 0, 0
    while i < len(text):
        c = text[i]
        if text.startswith("\x1b[K", i):
            del line[column:]
            i += 3
            continue
        if c == "\r":
            column = 0
        elif c == "\n":
            lines.append("".join(line))
            line, column = [], 0
        else:
            if column < len(line):
                line[column] = c
            else:
                line.append(c)
            column += 1
        i += 1
    if line:
        lines.append("".join(line))
    return status, text, lines


def columns_never_touch(lines, columns):
    """Every line splits, at runs of two or more spaces, into its columns: no two cells touch (a rule
    or a time zone has single spaces only). Columns may widen from one page to the next."""
    return bool(lines) and all(len(re.split(r" {2,}", line.rstrip())) in (columns, columns - 1) for line in lines)



def group_output():
    e = Emulator()
    env = e.env()
    # Long rules and time zones: the table sizes its columns to them.
    check(k6(env, "set", "20", "--starts", "2025-01-01T00:00:00Z", "--cron", "0 9 * * *", "--time-zone",
             "America/Argentina/Buenos_Aires").returncode == 0, "set a cron schedule in a long time zone")
    check(k6(env, "set", "21", "--starts", "2025-01-06T10:00:00Z", "--frequency", "WEEKLY", "--byday", "MO,WE,FR",
             "--until", "2027-01-01T00:00:00Z").returncode == 0, "set a long weekly rule")
    r = k6(env, "list")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and any("America/Argentina/Buenos_Aires" in line for line in lines)
          and any("WEEKLY every week on MO,WE,FR, until 2027-01-01T00:00:00.000Z" in line for line in lines)
          and columns_never_touch(lines, 6), "list: columns sized to their content, never touching")
    # On a terminal, the progress line is cleared before rows and at the end.
    status, raw, screen = run_on_terminal(env, "list", "--top", "2", "--all")
    rows = [line for line in screen if re.match(r"^\d+\s", line)]
    check(status == 0 and "page 2: 4 schedules so far" in raw and len(rows) == 6
          and not any("so far" in line for line in screen) and columns_never_touch(screen, 6),
          "list --all on a terminal: progress shown, then cleared; rows never glued to it")
    # The header comes with the first page: none when the request fails, a note when there is nothing.
    r = k6(e.env(K6_CLOUD_TOKEN="wrong-token"), "list")
    check(r.returncode == 1 and r.stdout == "", "list: a failed request leaves no stray header on stdout")
    r = k6(env, "list", "--skip", "100")
    check(r.returncode == 0 and r.stdout == "" and r.stderr.strip() == "no schedules", "list: an empty result says so")
    r = k6(env, "list", "--top", "2")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 3 and "--all" in r.stderr and "--skip 2" in r.stderr,
          "list without --all: stderr says how to get the rest")
    r = k6(env, "list", "--top", "2", "--skip", "4")
    check(r.returncode == 0 and r.stderr == "", "list: no hint on the last page")
    # What will really happen.
    check(k6(env, "deactivate", "1").returncode == 0, "deactivate 1")
    r = k6(env, "show", "1")
    check("state       deactivated" in r.stdout and ("next run    none (deactivated)" in r.stdout
          or "(deactivated: it will not run unless activated)" in r.stdout), "show: a deactivated schedule's next run")
    r = k6(env, "next", "1", "-n", "2", "--after", "2025-01-17T12:00:00Z")
    check(r.returncode == 0 and "deactivated" in r.stderr and "will not happen" in r.stderr
          and len(r.stdout.splitlines()) == 3, "next: says the runs of a deactivated schedule will not happen")
    check(k6(env, "set", "22", "--starts", "2020-01-01T00:00:00Z").returncode == 0, "set a one-off in the past")
    r = k6(env, "get", "22")
    check("next run    none (expired: no run left)" in r.stdout and "state       active, but expired" in r.stdout,
          "show: an expired schedule is not just 'active'")
    # --tz: instants on a zone's wall clock.
    r = k6(env, "show", "2", "--tz", "Europe/Berlin")
    check(r.returncode == 0 and "starts      2025-01-16T09:46:04.021+01:00" in r.stdout, "--tz Europe/Berlin")
    r = k6(e.env(TZ="Asia/Tokyo"), "--tz", "local", "next", "2", "-n", "1", "--after", "2025-01-16T09:00:00Z")
    check(r.returncode == 0 and r.stdout.splitlines()[-1] == "2025-01-16T19:46:04.021+09:00", "--tz local follows TZ")
    r = k6(env, "--tz=Mars/Base", "show", "2")
    check(r.returncode == 2 and "--tz" in r.stderr and "Mars/Base" in r.stderr, "--tz: an unknown zone is a usage error")
    # --json: every line of every output parses; errors too.
    for args in (["get", "1"], ["show", "2"], ["list", "--all", "--top", "2", "--count"], ["next", "2", "-n", "3"],
                 ["set", "23", "--starts", "2031-01-01", "--dry-run"], ["delete", "3", "999"],
                 ["upcoming", "--from", "2025-01-15T00:00:00Z", "--to", "2025-01-17T00:00:00Z"]):
        r = k6(env, "--json", *args)
        ok = r.stdout != ""
        try:
            [json.loads(line) for line in r.stdout.splitlines()]
            [json.loads(line) for line in r.stderr.splitlines()]
        except ValueError:
            ok = False
        check(ok, f"--json {' '.join(args)}: stdout and stderr parse line by line")
    r = k6(env, "--json", "show", "404")
    err = json.loads(r.stderr)["error"] if r.stderr.count("\n") == 1 else {}
    check(r.returncode == 1 and err.get("status") == 404 and err.get("exit") == 1 and err.get("kind") == "api",
          "--json: an API error is one JSON object on stderr")
    r = k6(env, "--json", "list", "--bogus")
    err = json.loads(r.stderr)["error"] if r.stderr.count("\n") == 1 else {}
    check(r.returncode == 2 and err.get("kind") == "usage" and err.get("exit") == 2, "--json: a usage error too")
    e.stop()


def group_input():
    e = Emulator()
    env = e.env()
    r = k6(env, "set", "30", "--starts=2027-01-01", "--frequency", "daily")
    check(r.returncode == 0 and "starts      2027-01-01T00:00:00.000Z" in r.stdout and "DAILY every day" in r.stdout,
          "--flag=value, a date alone (midnight UTC), --frequency in lower case")
    r = k6(env, "set", "31", "--starts", "2027-01-04T09:00:00Z", "--frequency", "Weekly", "--byday", "mo, fr")
    check(r.returncode == 0 and "WEEKLY every week on MO,FR" in r.stdout, "--byday in lower case, with spaces")
    before = datetime.datetime.now(datetime.timezone.utc)
    r = k6(env, "set", "32", "--starts", "+1h", "--frequency", "hourly")
    starts = re.search(r"^starts\s+(\S+)$", r.stdout, re.M)
    value = datetime.datetime.fromisoformat(starts.group(1).replace("Z", "+00:00")) if starts else None
    check(r.returncode == 0 and value is not None
          and datetime.timedelta(minutes=59) < value - before < datetime.timedelta(minutes=61), "--starts +1h")
    r = k6(env, "set", "33", "--starts", "now", "--cron", "@daily", "--dry-run")
    check(r.returncode == 0 and "dry run" in r.stdout, "--starts now")
    r = k6(env, "set", "33", "--starts", "tomorrow")
    check(r.returncode == 2 and "--starts" in r.stderr and "+1h" in r.stderr, "a bad time says which forms work")
    # --dry-run: checked and previewed locally, nothing sent, no token needed.
    r = k6(e.env(K6_CLOUD_TOKEN=None), "set", "34", "--starts", "2030-01-01T00:00:00Z", "--frequency", "DAILY",
           "--count", "3", "--dry-run")
    check(r.returncode == 0 and r.stdout.count("2030-01-0") == 4 and "nothing was changed" in r.stdout,
          "set --dry-run: the next runs, without a token")
    check(k6(env, "get", "34").returncode == 1, "set --dry-run sent nothing")
    r = k6(env, "set", "34", "--starts", "2030-01-01T00:00:00Z", "--frequency", "DAILY", "--interval", "0", "--dry-run")
    check(r.returncode == 2 and "--interval" in r.stderr, "set --dry-run: validation errors")
    # --from-file: what get --json prints goes back in; stdin too.
    work = tempfile.mkdtemp()
    exported = os.path.join(work, "schedule.json")
    with open(exported, "w") as f:
        f.write(k6(env, "--json", "get", "1").stdout)
    r = k6(env, "set", "35", "--from-file", exported)
    check(r.returncode == 0 and "cron 0 7 * * MON-FRI" in r.stdout and "Europe/Berlin" in r.stdout,
          "set --from-file: the output of get --json")
    piped = subprocess.run([CLI, "set", "36", "--from-file", "-"], env=env, capture_output=True, text=True, timeout=60,
                           input='{"starts": "2031-02-03T04:05:06Z", "recurrence_rule": {"frequency": "MONTHLY"}}')
    outputs.extend([piped.stdout, piped.stderr])
    check(piped.returncode == 0 and "MONTHLY every month" in piped.stdout, "set --from-file -: from stdin")
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        f.write('{"starts": 5}')
    r = k6(env, "set", "37", "--from-file", bad)
    check(r.returncode == 2 and "bad.json" in r.stderr and "starts" in r.stderr, "set --from-file: a bad file, named")
    r = k6(env, "set", "37", "--from-file", exported, "--cron", "@daily")
    check(r.returncode == 2 and "--from-file" in r.stderr, "set --from-file with rule flags: a usage error")
    # Warnings for schedules that can never run (sent anyway, exit 0).
    # (A load test each: a second set on one load test adds its "replaced schedule" note.)
    for load_test, (args, why) in enumerate(((["--starts", "2020-01-01T00:00:00Z"], "a one-off in the past"),
                      (["--starts", "2030-01-01T00:00:00Z", "--frequency", "DAILY", "--until", "2029-01-01T00:00:00Z"],
                       "--until before --starts"),
                      (["--starts", "2020-01-01T00:00:00Z", "--frequency", "DAILY", "--count", "3"], "count used up"),
                      (["--starts", "2025-01-01T00:00:00Z", "--cron", "0 0 30 2 *"], "a cron that matches no date")),
                                     start=38):
        r = k6(env, "set", str(load_test), *args)
        check(r.returncode == 0 and r.stderr.startswith("warning: ") and "never run" in r.stderr,
              f"set warns: {why}")
    r = k6(env, "set", "42", "--starts", "2030-01-01T00:00:00Z", "--cron", "@daily")
    check(r.returncode == 0 and r.stderr == "", "set: no warning for a schedule that runs")
    # --token-file and K6_CLOUD_TOKEN_FILE.
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    check(k6(e.env(K6_CLOUD_TOKEN=None), "--token-file", token_file, "show", "1").returncode == 0, "--token-file")
    check(k6(e.env(K6_CLOUD_TOKEN=None, K6_CLOUD_TOKEN_FILE=token_file), "show", "1").returncode == 0,
          "K6_CLOUD_TOKEN_FILE")
    empty = os.path.join(work, "empty")
    open(empty, "w").close()
    r = k6(e.env(K6_CLOUD_TOKEN=None), "--token-file", empty, "show", "1")
    check(r.returncode == 2 and "--token-file" in r.stderr and "empty" in r.stderr, "--token-file: an empty file")
    r = k6(env, "--token", TOKEN, "--token-file", token_file, "show", "1")
    check(r.returncode == 2 and "not both" in r.stderr, "--token and --token-file together: a usage error")
    shutil.rmtree(work, ignore_errors=True)
    # The stack's URL in place of its id: auth, and K6_CLOUD_STACK_URL / --stack-url resolved once.
    r = k6(env, "--stack-url", "https://emulator.grafana.net", "auth")
    check(r.returncode == 0 and f"stack id            {STACK}" in r.stdout and "default project id  1" in r.stdout,
          "auth --stack-url: the stack id and default project id")
    r = k6(env, "--json", "auth", "--stack-url=https://emulator.grafana.net")
    check(r.returncode == 0 and json.loads(r.stdout) == {"stack_id": int(STACK), "default_project_id": 1},
          "auth --json")
    r = k6(e.env(K6_CLOUD_STACK_ID=None, K6_CLOUD_STACK_URL="https://emulator.grafana.net"), "-v", "show", "1")
    check(r.returncode == 0 and "schedule    1" in r.stdout and r.stderr.count("GET /cloud/v6/auth -> 200") == 1,
          "K6_CLOUD_STACK_URL stands in for K6_CLOUD_STACK_ID, resolved once")
    r = k6(e.env(K6_CLOUD_STACK_ID=None), "--stack-url", "https://other.grafana.net", "show", "1")
    check(r.returncode == 1 and "403" in r.stderr, "--stack-url of another stack: the API's 403")
    r = k6(env, "auth")
    check(r.returncode == 2 and "--stack-url" in r.stderr, "auth without a stack URL: a usage error")
    # --deadline bounds the whole call, retries included; --timeout is per step.
    stalled = Emulator("--latency-ms", "3000")
    started = datetime.datetime.now()
    r = k6(stalled.env(), "--deadline", "0.5", "--retries", "10", "show", "1")
    took = (datetime.datetime.now() - started).total_seconds()
    check(r.returncode == 3 and "deadline" in r.stderr and took < 2.5, "--deadline: the whole call, retries included")
    stalled.stop()
    r = k6(env, "--help")
    check("--deadline SECONDS" in r.stdout and "each step of each attempt" in r.stdout, "--help: --timeout and --deadline")
    e.stop()


class NotHere(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><body>no such page</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def group_messages():
    e = Emulator()
    env = e.env()
    r = k6(env, "lsit")
    check(r.returncode == 2 and "did you mean list?" in r.stderr and "usage: k6-schedules" in r.stderr,
          "a mistyped command: did you mean")
    r = k6(env, "list", "--tpo", "3")
    check(r.returncode == 2 and "did you mean --top?" in r.stderr and "usage: k6-schedules [GLOBAL OPTIONS] list" in r.stderr
          and "COMMANDS" not in r.stderr, "a mistyped flag: did you mean, and the command's short usage")
    r = k6(env, "--timout", "3", "show", "1")
    check(r.returncode == 2 and "did you mean --timeout?" in r.stderr, "a mistyped global flag")
    r = k6(env, "--retries=0", "--api-url=" + e.url, "show", "1")
    check(r.returncode == 0, "--flag=value for global flags")
    r = k6(env, "set", "1", "--starts", "2025-01-01T00:00:00Z", "--cron", "0 0 *")
    check(r.returncode == 2 and r.stderr.startswith("error: --cron: ") and "cron.schedule" not in r.stderr,
          "a bad cron names --cron")
    r = k6(env, "--stack-id", "abc", "show", "1")
    check(r.returncode == 2 and "--stack-id" in r.stderr and "K6_CLOUD_STACK_ID" not in r.stderr,
          "a bad --stack-id names the flag, not the variable")
    r = k6(e.env(K6_CLOUD_STACK_ID="abc"), "show", "1")
    check(r.returncode == 2 and "K6_CLOUD_STACK_ID" in r.stderr, "a bad K6_CLOUD_STACK_ID names the variable")
    r = k6(e.env(K6_CLOUD_CA_FILE=None), "--retries", "0", "show", "1")
    check(r.returncode == 3 and "--ca-file" in r.stderr and "K6_CLOUD_CA_FILE" in r.stderr,
          "a TLS verification failure suggests --ca-file")
    r = k6(e.env(K6_CLOUD_TOKEN="wrong-token"), "show", "1")
    check(r.returncode == 1 and "hint: " in r.stderr and "--token-file" in r.stderr, "a 401 says where tokens come from")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotHere)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/wrong/prefix"
    r = k6(env, "--api-url", url, "--retries", "0", "show", "7")
    check(r.returncode == 1 and f"GET http://127.0.0.1:{server.server_address[1]}/wrong/prefix/cloud/v6/schedules/7"
          in r.stderr and "--api-url" in r.stderr, "a 404 on a wrong API path shows the URL requested")
    server.shutdown()
    r = k6(env, "--api-url", e.url.replace("https://", "http://"), "--retries", "0", "show", "1")
    check(r.returncode in (3, 4) and "https://" in r.stderr, "http:// to a TLS port says so")
    # http:// to another machine would send the token in the clear: refused before connecting
    # (192.0.2.1, TEST-NET-1, never answers: a connection attempt would take the whole --timeout).
    started = datetime.datetime.now()
    r = k6(env, "--api-url", "http://192.0.2.1", "--timeout", "20", "show", "1")
    took = (datetime.datetime.now() - started).total_seconds()
    check(r.returncode == 2 and r.stderr.startswith("error: --api-url \"http://192.0.2.1\"")
          and "unencrypted" in r.stderr and "--insecure-http" in r.stderr and "allow_insecure_http" not in r.stderr and took < 10,
          "http:// to a host that is not loopback: refused before connecting, naming --api-url and --insecure-http")
    r = k6(e.env(K6_CLOUD_API_URL="http://192.0.2.1"), "--json", "show", "1")
    err = json.loads(r.stderr)["error"] if r.stderr.count("\n") == 1 else {}
    check(r.returncode == 2 and err.get("kind") == "invalid_argument" and "K6_CLOUD_API_URL" in err.get("message", "")
          and "--insecure-http" in err.get("message", ""),
          "K6_CLOUD_API_URL=http://192.0.2.1: refused, naming the variable")
    r = k6(env, "--api-url", "http://192.0.2.1", "--insecure-http", "--timeout", "0.3", "--retries", "0", "show", "1")
    check(r.returncode == 3 and "192.0.2.1" in r.stderr, "--insecure-http: http:// to another host is tried")
    r = k6(env, "--insecure-htp", "show", "1")
    check(r.returncode == 2 and "did you mean --insecure-http?" in r.stderr, "a mistyped --insecure-http: did you mean")
    check("--insecure-http" in k6(env, "--help").stdout, "--help: --insecure-http")
    e.stop()


def group_bulk():
    e = Emulator()
    env = e.env()
    r = k6(env, "deactivate", "1", "2", "999")
    lines = r.stdout.splitlines()
    check(r.returncode == 1 and lines[:2] == ["deactivated 1", "deactivated 2"]
          and lines[2].startswith("failed 999: HTTP 404") and lines[3] == "2 deactivated, 1 failed",
          "deactivate several ids: a line each and a summary; exit 1 when one failed")
    check("deactivated" in k6(env, "show", "2").stdout, "the ids were deactivated")
    piped = subprocess.run([CLI, "activate", "-"], env=env, capture_output=True, text=True, timeout=60, input="1\n2\n")
    outputs.extend([piped.stdout, piped.stderr])
    check(piped.returncode == 0 and piped.stdout.splitlines() == ["activated 1", "activated 2", "2 activated, 0 failed"],
          "activate -: ids from stdin")
    r = k6(env, "--json", "delete", "3", "4")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and lines == [{"id": 3, "ok": True}, {"id": 4, "ok": True},
                                          {"summary": {"deleted": 2, "failed": 0}}], "delete --json: a line per id")
    check(k6(env, "show", "3").returncode == 1 and k6(env, "show", "4").returncode == 1, "the ids were deleted")
    # An expired schedule (its one run is past): the API's deactivate changes nothing, and says 204.
    expired = json.loads(k6(env, "--json", "set", "150", "--starts", "2025-01-01T00:00:00Z").stdout.splitlines()[-1])["id"]
    r = k6(env, "deactivate", str(expired))
    check(r.returncode == 0 and r.stderr.strip() == f"schedule {expired}: skipped (expired)",
          "deactivate of one expired id: skipped (expired), exit 0")
    check('"deactivated":false' in k6(env, "--json", "show", str(expired)).stdout.replace(" ", ""),
          "the expired schedule is as it was")
    r = k6(env, "activate", str(expired))
    check(r.returncode == 0 and r.stderr.strip() == f"schedule {expired}: skipped (expired)",
          "activate of one expired id (the API's 409): skipped (expired), exit 0")
    r = k6(env, "deactivate", "1", str(expired))
    check(r.returncode == 0 and r.stdout.splitlines() == ["deactivated 1", f"skipped {expired} (expired)",
                                                          "1 deactivated, 1 skipped, 0 failed"],
          "bulk deactivate: an expired id gets its own line and count, not 'deactivated'")
    r = k6(env, "--json", "deactivate", "1", str(expired))
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and lines[1] == {"id": expired, "ok": True, "skipped": "expired"}
          and lines[2] == {"summary": {"deactivated": 1, "failed": 0, "skipped": 1}},
          "bulk deactivate --json: the expired id is skipped, and counted")
    r = k6(env, "activate", "1", str(expired), "999")
    check(r.returncode == 1 and r.stdout.splitlines()[1] == f"skipped {expired} (expired)"
          and r.stdout.splitlines()[-1] == "1 activated, 1 skipped, 1 failed",
          "bulk activate: expired skipped, a missing id failed (exit 1)")
    r = k6(env, "delete", "5", "x")
    check(r.returncode == 2 and '"x"' in r.stderr, "a bad id among several: a usage error, nothing sent")
    for command in ("delete", "activate", "deactivate"):
        piped = subprocess.run([CLI, "-v", command, "-"], env=env, capture_output=True, text=True, timeout=60,
                               input="\n")
        outputs.extend([piped.stdout, piped.stderr])
        check(piped.returncode == 0 and piped.stdout == ""
              and piped.stderr == "token from K6_CLOUD_TOKEN\nno SCHEDULE_ID on stdin: nothing to do\n",
              f"{command} - with nothing on stdin: nothing to do, exit 0, nothing sent")
    r = k6(env, "--json", "delete", "1", "999")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 1 and lines[1]["error"]["code"] == "not_found" and lines[1]["error"]["status"] == 404,
          "bulk --json: an error carries its code, as a single id's does")
    ids = [str(i) for i in range(100, 140)]
    for i in ids:
        k6(env, "set", i, "--starts", "2030-01-01T00:00:00Z")
    listed = json.loads(k6(env, "--json", "list", "--count", "--top", "1").stdout.splitlines()[-1])["@count"]
    created = [json.loads(line)["id"] for line in k6(env, "--json", "list", "--all").stdout.splitlines()]
    r = k6(env, "delete", *[str(i) for i in created])
    check(r.returncode == 0 and r.stdout.splitlines()[-1] == f"{listed} deleted, 0 failed"
          and k6(env, "list").stderr.strip() == "no schedules", f"delete {listed} ids, 8 at a time")
    e.stop()


def group_upcoming():
    e = Emulator()
    env = e.env()
    # Two load tests whose runs meet: 1 runs 0 7 * * MON-FRI in Berlin (06:00Z); 40 daily at 06:00:30Z.
    check(k6(env, "set", "40", "--starts", "2025-01-01T06:00:30Z", "--frequency", "DAILY").returncode == 0,
          "set a daily schedule 30 s after another one")
    start, end = "2025-01-15T00:00:00Z", "2025-01-18T00:00:00Z"
    r = k6(env, "--json", "upcoming", "--from", start, "--to", end)
    runs = [json.loads(line) for line in r.stdout.splitlines()]
    # The same, from next of each active schedule, merged here.
    expected = []
    for s in (json.loads(line) for line in k6(env, "--json", "list", "--all").stdout.splitlines()):
        if s["deactivated"]:
            continue
        for line in k6(env, "--json", "next", str(s["id"]), "-n", "200", "--after", start).stdout.splitlines():
            at = json.loads(line)["run"]
            if at <= "2025-01-18T00:00:00.000Z":
                expected.append({"run": at, "schedule": s["id"], "load_test": s["load_test_id"]})
    expected.sort(key=lambda x: (x["run"], x["schedule"]))
    def seconds(x):
        return datetime.datetime.fromisoformat(x["run"].replace("Z", "+00:00")).timestamp()
    for x in expected:
        x["overlaps_with"] = sorted({y["schedule"] for y in expected
                                     if y["load_test"] != x["load_test"] and abs(seconds(x) - seconds(y)) < 60})
        x["overlaps"] = bool(x["overlaps_with"])
    rules = {}
    for x in runs:
        rules.setdefault(x["schedule"], x.pop("rule", None))
    check(r.returncode == 0 and runs == [{k: x[k] for k in ("run", "schedule", "load_test", "overlaps", "overlaps_with")}
                                         for x in expected] and len(runs) > 10,
          f"upcoming: {len(expected)} runs, in order, as next gives them, with the schedules each overlaps")
    check(any(x["overlaps"] for x in runs) and not all(x["overlaps"] for x in runs),
          "upcoming: runs of different load tests within a minute overlap")
    check(all(re.search(r"^rule\s+" + re.escape(rule) + "$", k6(env, "show", str(i)).stdout, re.M)
              for i, rule in rules.items()), "upcoming --json: each run's rule, as show says it")
    r = k6(env, "upcoming", "--from", start, "--to", end)
    lines = r.stdout.splitlines()
    overlapping = next(x for x in expected if x["overlaps"])
    row = next(line for line in lines if line.startswith(overlapping["run"]))
    check(r.returncode == 0 and lines[0].split() == ["RUN", "SCHEDULE", "LOAD", "TEST", "RULE", "OVERLAPS"]
          and len(lines) == 1 + len(expected) and columns_never_touch(lines, 5)
          and row.endswith("  " + ",".join(map(str, overlapping["overlaps_with"]))),
          "upcoming: a table, with RULE and the ids each run overlaps")
    r = k6(env, "--json", "upcoming", "--from", start, "--to", end, "--load-test", "40")
    shown = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and shown and all(x["load_test"] == 40 for x in shown)
          and [x["overlaps_with"] for x in shown] == [x["overlaps_with"] for x in expected if x["load_test"] == 40],
          "upcoming --load-test: those runs only, overlaps still with every schedule")
    k6(env, "deactivate", str(shown[0]["schedule"]))
    r = k6(env, "--json", "upcoming", "--from", start, "--to", end, "--state", "deactivated")
    shown = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and shown and all(x.get("deactivated") for x in shown)
          and {x["load_test"] for x in shown} >= {40}, "upcoming --state deactivated: what they would run")
    r = k6(env, "--json", "upcoming", "--from", start, "--to", end)
    check(all(json.loads(line)["load_test"] != 40 for line in r.stdout.splitlines()),
          "upcoming: a deactivated schedule's runs are not shown by default")
    r = k6(env, "upcoming", "--state", "paused")
    check(r.returncode == 2 and "--state must be active, deactivated or expired" in r.stderr, "upcoming --state: a bad state")
    r = k6(env, "upcoming", "--from", end, "--to", start)
    check(r.returncode == 2, "upcoming: --to before --from")
    e.stop()


# Where a reflecting server puts the Authorization header it was sent: a field of each schedule it
# answers, a page's @count or @nextLink, or its error answers' code, message, target, details and
# reason phrase. Set by group_secrets, read by Reflector on its thread.
REFLECT = {"place": None}
SCHEDULE_FIELDS = ["id", "load_test_id", "starts", "recurrence_rule", "cron", "deactivated", "next_run",
                   "created_by", "cron.schedule", "cron.time_zone", "recurrence_rule.frequency",
                   "recurrence_rule.until"]
ERROR_PLACES = ["error.code", "error.message", "error.target", "error.details", "reason", "body"]


def reflected_schedule(field, bearer):
    schedule = {"id": 1, "load_test_id": 1, "starts": "2030-01-01T00:00:00Z", "recurrence_rule": None,
                "cron": {"schedule": "0 7 * * *", "time_zone": "UTC"}, "deactivated": False,
                "next_run": "2030-01-01T07:00:00Z", "created_by": "someone@example.com"}
    if field.startswith("cron."):
        schedule["cron"][field[5:]] = bearer
    elif field.startswith("recurrence_rule."):
        schedule["cron"] = None
        schedule["recurrence_rule"] = {"frequency": "DAILY", field[16:]: bearer}
    elif field:
        schedule[field] = bearer
    return schedule


class Reflector(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body, reason=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        bearer = self.headers.get("Authorization", "")
        place = REFLECT["place"]
        if place in ERROR_PLACES:
            error = {"code": "c", "message": "m", "target": "t"}
            if place.startswith("error.") and place != "error.details":
                error[place[6:]] = bearer
            if place == "error.details":
                error["details"] = [{"code": bearer, "message": bearer, "target": bearer}]
            if place == "reason":
                return self.answer(403, "", reason=bearer)
            if place == "body":
                return self.answer(502, "upstream echoed: " + bearer)
            return self.answer(400, {"error": error})
        path = self.path.split("?")[0]
        if path == "/cloud/v6/auth":
            return self.answer(200, {"stack_id": bearer, "default_project_id": 1})
        if path == "/cloud/v6/schedules":
            if "page=2" in self.path:
                return self.answer(200, {"value": [reflected_schedule("", bearer)]})
            page = {"value": [reflected_schedule(place if place in SCHEDULE_FIELDS else "", bearer)]}
            if place == "@count":
                page["@count"] = bearer
            if place == "@nextLink":
                page["@nextLink"] = "/cloud/v6/schedules?page=2&t=" + bearer.split(" ")[-1]
            return self.answer(200, page)
        if self.command == "POST" and not path.endswith("/schedule") or self.command == "DELETE":
            return self.answer(204, "")
        return self.answer(200, reflected_schedule(place if place in SCHEDULE_FIELDS else "", bearer))

    do_GET = do_POST = do_DELETE = reply

    def log_message(self, *args):
        pass


def reflected_token_never_shown():
    e = Emulator()  # for its certificates only
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Reflector)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.path.join(e.work, "certs", "server.pem"), os.path.join(e.work, "certs", "server-key.pem"))
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = e.env(K6_CLOUD_API_URL=f"https://127.0.0.1:{server.server_address[1]}",
                K6_CLOUD_STACK_URL="https://mystack.grafana.net")
    # Each place with the commands whose output can show it; both output modes, each with -v (its
    # attempt lines: plain or JSON).
    showing_schedules = [["get", "1"], ["show", "1"], ["next", "1", "-n", "2"],
                         ["set", "1", "--starts", "2030-01-01T00:00:00Z", "--cron", "0 7 * * *"], ["list"],
                         ["upcoming", "--to", "+2d"]]
    listing = [["list"], ["list", "--all"], ["upcoming", "--to", "+2d"]]
    every = showing_schedules + [["list", "--all"], ["activate", "1"], ["deactivate", "1"], ["delete", "1"], ["auth"]]
    runs = [(place, showing_schedules) for place in SCHEDULE_FIELDS]
    runs += [(place, listing) for place in ("@count", "@nextLink")]
    runs += [(place, every) for place in ERROR_PLACES]
    before = len(outputs)
    for place, commands in runs:
        REFLECT["place"] = place
        for command in commands:
            for mode in (["-v"], ["--json", "-v"]):
                k6(env, *mode, "--retries", "0", *command)  # a 502 once is enough
    server.shutdown()
    e.stop()
    seen = outputs[before:]
    windows = {TOKEN[i:i + 8] for i in range(len(TOKEN) - 7)}
    leaked = [text for text in seen if any(w in text for w in windows)]
    check(not leaked, f"a server reflecting the token into every field, link and error: no 8 bytes of it in any of "
                      f"{len(seen)} outputs (plain, --json, -v)" + (f"; first leak: {leaked[0]!r}" if leaked else ""))


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)


def group_plan():
    """Schedules as code: export, plan, apply, against the emulator."""
    e = Emulator()
    env = e.env()
    exported = os.path.join(e.work, "schedules.json")
    r = k6(env, "export", "--output", exported)
    check(r.returncode == 0 and r.stdout == "" and r.stderr.strip() == f"exported 4 schedules to {exported}",
          "export --output: the file, and a note on stderr")
    check(k6(env, "export").stdout == open(exported, encoding="utf-8").read(), "export: the same document on stdout")
    doc = json.load(open(exported, encoding="utf-8"))
    entries = doc["schedules"]
    check(doc["format"] == "k6-schedules/1" and [s["load_test_id"] for s in entries] == [1, 2, 3, 4]
          and all(list(s) == ["load_test_id", "starts", "cron", "recurrence_rule", "deactivated"] for s in entries)
          and entries[1]["recurrence_rule"]["interval"] == 2 and entries[3]["recurrence_rule"]["until"] is None,
          "export: sorted by load test, every member explicit")
    r = k6(env, "plan", exported, "--exit-code")
    check(r.returncode == 0 and r.stdout == "plan: no changes\n", "export, then plan: no changes (exit 0 with --exit-code)")

    # Edit it: a new hour, a deactivation, an activation, a new load test, one left out, one only rewritten.
    entries[0]["cron"]["schedule"] = "0 8 * * MON-FRI"
    entries[1]["deactivated"] = True
    entries[1]["starts"] = "2025-01-16T09:46:04.021+01:00"  # the same instant
    entries[1]["recurrence_rule"].pop("interval")
    entries[1]["recurrence_rule"]["interval"] = 2
    entries[3]["deactivated"] = False
    entries[3]["recurrence_rule"]["byday"] = ["SU", "SA"]  # the same set
    del entries[2]
    entries.append({"load_test_id": 20, "starts": "2025-02-01T00:00:00Z", "recurrence_rule": {"frequency": "DAILY"},
                    "deactivated": True})
    edited = os.path.join(e.work, "edited.json")
    write_json(edited, doc)
    expected = ['~ update     load test 1 (schedule 1): cron.schedule "0 7 * * MON-FRI" -> "0 8 * * MON-FRI" '
                '(set replaces schedule 1)',
                "~ deactivate load test 2 (schedule 2)",
                "~ activate   load test 4 (schedule 4)",
                "+ create     load test 20: starts 2025-02-01T00:00:00.000Z, DAILY every day, deactivated"]
    r = k6(env, "plan", edited)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and lines[:-1] == expected, "edit, then plan: exactly the expected changes")
    check(lines[-1:] == ["plan: 1 to create, 1 to update, 1 to activate, 1 to deactivate, 0 to delete"],
          "plan: a summary line")
    check("# 1 schedule of load tests not in the document, kept (--prune deletes them)" in r.stderr,
          "plan without --prune: says how many schedules the document does not manage")
    check(k6(env, "plan", edited, "--exit-code").returncode == 6, "plan --exit-code: 6 when changes are pending")
    r = k6(env, "plan", edited, "--prune")
    check(r.returncode == 0 and "- delete     load test 3 (schedule 3) (not in the document)" in r.stdout.splitlines()
          and r.stdout.splitlines()[-1].endswith("1 to delete"), "plan --prune: the schedule left out is deleted")
    r = k6(env, "--json", "plan", edited, "--prune")
    changes = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and [c["action"] for c in changes] == ["update", "deactivate", "delete", "activate", "create"]
          and all(set(c) == {"action", "load_test_id", "schedule_id", "before", "after", "note"} for c in changes)
          and changes[0]["before"]["cron"]["schedule"] == "0 7 * * MON-FRI"
          and changes[0]["after"]["cron"]["schedule"] == "0 8 * * MON-FRI"
          and changes[2]["after"] is None and changes[4]["schedule_id"] is None and changes[4]["before"] is None,
          "plan --json: one object per change, with before, after and note")
    r = k6(env, "apply", edited, "--prune", "--dry-run")
    check(r.returncode == 0 and r.stdout == k6(env, "plan", edited, "--prune").stdout, "apply --dry-run is plan")
    check(k6(env, "plan", exported, "--exit-code").returncode == 0, "--dry-run changed nothing")

    r = k6(env, "apply", edited, "--prune")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 6 and all(": done" in line for line in lines[:5])
          and lines[-1] == "apply: 5 of 5 changes done", "apply: a line per change with its result, then a summary")
    r = k6(env, "plan", edited, "--prune", "--exit-code")
    check(r.returncode == 0 and r.stdout == "plan: no changes\n", "apply, then plan: no changes")
    state = {s["load_test_id"]: s for s in json.loads(k6(env, "export").stdout)["schedules"]}
    check(sorted(state) == [1, 2, 4, 20] and state[1]["cron"]["schedule"] == "0 8 * * MON-FRI"
          and state[2]["deactivated"] and not state[4]["deactivated"] and state[20]["deactivated"]
          and state[20]["recurrence_rule"]["frequency"] == "DAILY", "the state read back is what the file says")
    r = k6(env, "apply", edited, "--prune")
    check(r.returncode == 0 and r.stdout == "apply: no changes\n", "applying the same file again changes nothing")

    # An expired schedule the document keeps: a note, no change.
    k6(env, "set", "30", "--starts", "2024-06-01T00:00:00Z")
    doc["schedules"].append({"load_test_id": 30, "starts": "2024-06-01T02:00:00+02:00"})
    write_json(edited, doc)
    r = k6(env, "plan", edited, "--exit-code")
    check(r.returncode == 0 and r.stdout == "plan: no changes\n"
          and re.search(r"^# load test 30 \(schedule \d+\): expired: it will not run again$", r.stderr, re.M),
          "an expired schedule the document keeps: a note, and no change")

    # Stdin, and --tz for the instants shown.
    doc["schedules"][0]["starts"] = "2025-03-01T00:00:00Z"
    piped = subprocess.run([CLI, "--tz", "Europe/Berlin", "plan", "-"], env=env, capture_output=True, text=True,
                           timeout=60, input=json.dumps(doc))
    outputs.extend([piped.stdout, piped.stderr])
    check(piped.returncode == 0 and "starts 2025-01-01T01:00:00.000+01:00 -> 2025-03-01T01:00:00.000+01:00" in piped.stdout,
          "plan - reads stdin; --tz shows the instants on that clock")

    # The whole document is checked before anything is sent (exit 2): -v would show any request.
    before = k6(env, "export").stdout
    bad = {
        "unknown key": ('{"format": "k6-schedules/1", "schedules": [{"load_test_id": 5, "starts": "2025-01-01T00:00:00Z", '
                        '"cronn": {"schedule": "@daily"}}]}', 'schedules[0] (load test 5): unknown key "cronn"'),
        "syntax": ('{\n  "format": "k6-schedules/1",\n  "schedules": [,]\n}', "line 3, column 17: invalid JSON"),
        "duplicate": ('{"format": "k6-schedules/1", "schedules": [{"load_test_id": 5, "starts": "2025-01-01T00:00:00Z"},'
                      '{"load_test_id": 5, "starts": "2025-01-01T00:00:00Z"}]}', "load test 5 already has a schedule"),
        "time zone": ('{"format": "k6-schedules/1", "schedules": [{"load_test_id": 5, "starts": "2025-01-01T00:00:00Z", '
                      '"cron": {"schedule": "@daily", "time_zone": "Mars/Olympus"}}]}', "Mars/Olympus"),
    }
    invalid = os.path.join(e.work, "invalid.json")
    for what, (text, message) in bad.items():
        with open(invalid, "w", encoding="utf-8") as f:
            f.write(text)
        r = k6(env, "-v", "apply", invalid, "--prune")
        check(r.returncode == 2 and message in r.stderr and invalid in r.stderr and "/cloud/v6" not in r.stderr
              and r.stdout == "", f"an invalid document ({what}): exit 2, where it is, nothing sent")
    for command in ("plan", "apply"):
        r = k6(env, command)
        check(r.returncode == 2 and "FILE is missing" in r.stderr, f"{command} without FILE: a usage error")
    r = k6(env, "plan", os.path.join(e.work, "missing.json"))
    check(r.returncode == 2 and "missing.json" in r.stderr, "a missing document: a usage error")
    check(k6(env, "export").stdout == before, "the invalid documents changed nothing")
    e.stop()

    # Under faults, without retries, apply fails some changes (exit 1); a second apply converges.
    e = Emulator("--error-rate", "0.5", "--seed", "3")
    env = e.env()
    edited = os.path.join(e.work, "edited.json")
    for load_test in range(40, 52):
        doc["schedules"].append({"load_test_id": load_test, "starts": "2025-02-01T00:00:00Z", "cron": {"schedule": "@daily"}})
    write_json(edited, doc)
    r = k6(env, "--retries", "0", "apply", edited)
    check(r.returncode == 1 and ": failed: " in r.stdout and ": done" in r.stdout
          and r.stdout.splitlines()[-1].endswith("failed (apply again to retry them)"),
          "apply under faults with --retries 0: exit 1, each failure on its line")
    e.stop(keep_data=True)
    e = Emulator(work=e.work)
    env = e.env()
    r = k6(env, "apply", edited)
    check(r.returncode == 0 and r.stdout.splitlines()[-1].endswith("changes done"), "a second apply converges")
    check(k6(env, "plan", edited, "--exit-code").returncode == 0, "then the plan is empty")
    e.stop()


def group_day():
    """A day of work with the tool: nothing changes the service silently."""
    e = Emulator()
    env = e.env()
    # set over an existing schedule says it replaced it, and with which id.
    r = k6(env, "set", "1", "--starts", "2025-01-01T00:00:00Z", "--cron", "0 6 * * *")
    new_id = re.search(r"^schedule\s+(\d+)$", r.stdout, re.M).group(1)
    check(r.returncode == 0 and r.stderr == f"replaced schedule 1 (load test 1); the new schedule is {new_id}\n",
          "set over a schedule: says which schedule it replaced and the new id")
    check(k6(env, "show", "1").returncode == 1, "the replaced id is gone, as the API does")
    r = k6(env, "set", "77", "--starts", "2030-01-01T00:00:00Z")
    check(r.returncode == 0 and r.stderr == "", "a first schedule: nothing to say")
    # A paused (deactivated) schedule replaced: the new one is active, and set says so.
    k6(env, "deactivate", new_id)
    r = k6(env, "--json", "set", "1", "--starts", "2025-01-01T00:00:00Z", "--cron", "0 7 * * *")
    printed = json.loads(r.stdout)
    check(r.returncode == 0 and printed["replaced_schedule_id"] == int(new_id) and not printed["deactivated"]
          and f"schedule {new_id} was deactivated; the new schedule {printed['id']} is active "
              "(set --deactivated keeps it deactivated)" in r.stderr,
          "set over a deactivated schedule: warns that the new one is active; --json carries both ids")
    # A 403 for a stack named by its URL: the hint is about the URL, not --stack-id.
    r = k6(e.env(K6_CLOUD_STACK_ID=None), "--stack-url", "https://another.grafana.net", "list")
    check(r.returncode == 1 and "hint: the token has no access to the stack at --stack-url" in r.stderr
          and "--stack-id" not in r.stderr, "a 403 with --stack-url hints at the stack URL")
    r = k6(e.env(K6_CLOUD_STACK_ID="999"), "list")
    check(r.returncode == 1 and "check --stack-id" in r.stderr, "a 403 with a stack id hints at --stack-id")
    # --deactivated keeps it deactivated, for a replacement and for a first schedule.
    r = k6(env, "--json", "set", "1", "--starts", "2025-01-01T00:00:00Z", "--cron", "0 8 * * *", "--deactivated")
    printed = json.loads(r.stdout)
    check(r.returncode == 0 and printed["deactivated"] and "was deactivated" not in r.stderr
          and '"deactivated":true' in k6(env, "--json", "show", str(printed["id"])).stdout.replace(" ", ""),
          "set --deactivated: the new schedule is deactivated")
    r = k6(env, "--json", "set", "78", "--starts", "2030-01-01T00:00:00Z", "--deactivated")
    printed = json.loads(r.stdout)
    check(r.returncode == 0 and printed["deactivated"] and printed["replaced_schedule_id"] is None,
          "set --deactivated on a first schedule")
    # The list table says an expired schedule is active and expired, never just one of the two.
    expired = json.loads(k6(env, "--json", "set", "80", "--starts", "2024-01-01T00:00:00Z").stdout)["id"]
    row = [line for line in k6(env, "list").stdout.splitlines() if line.split()[0] == str(expired)]
    check(len(row) == 1 and "active, expired" in row[0], "list: an expired schedule is 'active, expired'")
    # --tz also reads times: a time without an offset (seconds optional) and a date alone are on its clock.
    r = k6(env, "--tz", "Europe/Berlin", "--json", "set", "81", "--starts", "2026-12-08T06:00", "--dry-run")
    check(r.returncode == 0 and json.loads(r.stdout)["request"]["starts"] == "2026-12-08T05:00:00.000Z",
          "--tz: 2026-12-08T06:00 is 06:00 in Berlin")
    r = k6(env, "--tz", "Europe/Berlin", "--json", "set", "81", "--starts", "2026-07-01", "--dry-run")
    check(r.returncode == 0 and json.loads(r.stdout)["request"]["starts"] == "2026-06-30T22:00:00.000Z",
          "--tz: a date alone is midnight in Berlin (summer time)")
    r = k6(env, "--json", "set", "81", "--starts", "2026-12-08", "--dry-run")
    check(r.returncode == 0 and json.loads(r.stdout)["request"]["starts"] == "2026-12-08T00:00:00.000Z",
          "without --tz: a date alone is midnight UTC")
    r = k6(env, "set", "81", "--starts", "2026-12-08T06:00", "--dry-run")
    check(r.returncode == 2 and "add an offset (Z or +01:00), or give --tz" in r.stderr,
          "without --tz: a time without an offset is refused, saying how to fix it")
    r = k6(env, "--json", "set", "81", "--starts", "2026-12-08T06:00+01:00", "--dry-run")
    check(r.returncode == 0 and json.loads(r.stdout)["request"]["starts"] == "2026-12-08T05:00:00.000Z",
          "a time with an offset and without seconds")
    r = k6(env, "--tz", "Europe/Berlin", "upcoming", "--from", "2025-01-16T09:45", "--to", "2025-01-16T09:47")
    check(r.returncode == 0 and "2025-01-16T09:46:04.021+01:00" in r.stdout and len(r.stdout.splitlines()) == 2,
          "--tz reads --from and --to too (schedule 2 runs at 08:46:04.021Z)")
    # --dry-run prints every warning set prints.
    r = k6(env, "set", "79", "--starts", "2026-01-01T00:00:00Z", "--frequency", "daily", "--until",
           "2025-12-01T00:00:00Z", "--dry-run")
    check(r.returncode == 0 and "warning: --until is before --starts: the schedule can never run" in r.stderr,
          "set --dry-run warns as set does")
    e.stop()
    list_filters_and_wide()
    dry_run_overlaps_and_daylight_saving()
    pause_and_resume()
    delete_many_asks_on_a_terminal()
    # --deadline bounds each call (each page of list --all); --max-time bounds the whole command.
    e = Emulator("--latency-ms", "400")
    env = e.env()
    r = k6(env, "--deadline", "1.5", "list", "--all", "--top", "1")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 1 + 4, "--deadline: each page within it, all pages listed")
    started = datetime.datetime.now()
    r = k6(env, "--max-time", "1", "list", "--all", "--top", "1")
    elapsed = (datetime.datetime.now() - started).total_seconds()
    check(r.returncode == 3 and "stopped by --max-time 1 (the whole command's limit)" in r.stderr and elapsed < 5,
          "--max-time: the whole command is stopped once it has run that long (exit 3)")
    e.stop()


def list_filters_and_wide():
    """list --state, --load-test (repeatable, every page), and -o wide."""
    e = Emulator()
    env = e.env()
    k6(env, "set", "150", "--starts", "2025-01-01T00:00:00Z")  # expired on the emulator's clock
    k6(env, "set", "151", "--starts", "2025-01-20T07:00:00Z", "--frequency", "daily", "--count", "3")
    every = [json.loads(line) for line in k6(env, "--json", "list", "--all").stdout.splitlines()]
    def state(x):
        return "deactivated" if x["deactivated"] else "active" if x["next_run"] else "expired"
    for states in (["expired"], ["active", "deactivated"], ["deactivated"]):
        args = [a for st in states for a in ("--state", st)]
        r = k6(env, "--json", "list", "--top", "2", *args)
        got = [json.loads(line)["id"] for line in r.stdout.splitlines()]
        want = [x["id"] for x in every if state(x) in states]
        check(r.returncode == 0 and got == want and want, f"list --state {' --state '.join(states)}: every page, "
                                                            "those schedules only")
    r = k6(env, "--json", "list", "--load-test", "1,150", "--load-test", "151", "--count")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and [x["load_test_id"] for x in lines[:-1]] == [x["load_test_id"] for x in every
                                                                          if x["load_test_id"] in (1, 150, 151)]
          and lines[-1] == {"@count": 3}, "list --load-test (repeated, with commas); --count counts the matches")
    r = k6(env, "list", "--state", "expired", "--load-test", "1")
    check(r.returncode == 0 and r.stdout == "" and r.stderr == "no schedule matches\n", "list: no match, said on stderr")
    r = k6(env, "list", "--state", "expird")
    check(r.returncode == 2 and "did you mean expired?" in r.stderr, "list --state: a bad state, did you mean")
    r = k6(env, "list", "-o", "wide", "--load-test", "151")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and lines[0].split() == ["ID", "LOAD", "TEST", "RULE", "TIME", "ZONE", "STARTS", "ENDS",
                                                    "NEXT", "RUN", "STATE"]
          and "2025-01-20T07:00:00.000Z  after 3 runs" in lines[1] and "DAILY every day  " in lines[1]
          and columns_never_touch(lines, 8), "list -o wide: STARTS and ENDS columns")
    check(k6(env, "list", "-o", "tall").returncode == 2, "list -o: only wide")
    e.stop()


def dry_run_overlaps_and_daylight_saving():
    """set --dry-run reports the runs that meet another load test's within 7 days; --tz warns when a
    recurrence rule (on UTC) moves its local time with daylight saving."""
    e = Emulator()
    env = e.env()
    daily = json.loads(k6(env, "--json", "set", "40", "--starts", "2025-01-01T06:00:20Z", "--cron", "0 6 * * *").stdout)
    r = k6(env, "set", "41", "--starts", "now", "--cron", "0 6 * * *", "--dry-run")
    rows = [line for line in r.stdout.splitlines()[r.stdout.splitlines().index(next(
        line for line in r.stdout.splitlines() if line.startswith("overlaps"))):]]
    check(r.returncode == 0 and len(rows) == 7 and all(f"{daily['id']} (load test 40)" in row for row in rows)
          and "with schedules 1 (load test 1), " in rows[0]
          and "warning: 7 runs in the next 7 days start less than a minute from a run of another load test" in r.stderr,
          "set --dry-run: each of the next 7 days' runs overlaps load test 40's, said with its schedule")
    r = k6(env, "--json", "set", "41", "--starts", "now", "--cron", "0 6 * * *", "--dry-run")
    printed = json.loads(r.stdout)
    check(r.returncode == 0 and len(printed["overlaps"]) == 7
          and all(daily["id"] in o["schedules"] for o in printed["overlaps"]), "set --dry-run --json: the overlaps, listed")
    r = k6(env, "--json", "set", "40", "--starts", "now", "--cron", "30 6 * * *", "--dry-run")
    check(r.returncode == 0 and json.loads(r.stdout)["overlaps"] == [],
          "set --dry-run: the schedule it replaces does not count (and 06:30 meets nothing)")
    r = k6(env, "set", "41", "--starts", "now", "--cron", "30 3 * * *", "--dry-run")
    check(r.returncode == 0 and "overlaps    none in the next 7 days" in r.stdout and r.stderr == "",
          "set --dry-run: no overlap, said")
    no_token = e.env(K6_CLOUD_TOKEN=None, K6_CLOUD_API_URL="https://127.0.0.1:9")
    r = k6(no_token, "--json", "set", "41", "--starts", "now", "--cron", "0 6 * * *", "--dry-run", "--no-overlaps")
    check(r.returncode == 0 and json.loads(r.stdout)["overlaps"] is None and r.stderr == "",
          "set --dry-run --no-overlaps: nothing sent, no token needed, overlaps null (not checked)")
    r = k6(no_token, "set", "41", "--starts", "now", "--cron", "0 6 * * *", "--dry-run")
    check(r.returncode == 0 and "overlaps not checked: K6_CLOUD_TOKEN is not set" in r.stderr
          and "--no-overlaps skips the check" in r.stderr and "next runs" in r.stdout,
          "set --dry-run without a token: previewed; says the overlaps were not checked")
    r = k6(env, "set", "41", "--starts", "now", "--no-overlaps")
    check(r.returncode == 2 and "--no-overlaps goes with --dry-run" in r.stderr, "--no-overlaps without --dry-run")
    # A recurrence rule runs on UTC: 06:00 in Berlin in winter is 07:00 in summer.
    slip = ("warning: the recurrence rule runs on UTC: its runs at 06:00 Europe/Berlin run at 07:00 from "
            "2027-03-28T07:00:00.000+02:00 (daylight saving time); for a fixed local time use "
            "--cron \"0 6 * * *\" --time-zone Europe/Berlin")
    r = k6(env, "--tz", "Europe/Berlin", "set", "82", "--starts", "2026-12-08T06:00", "--frequency", "daily",
           "--dry-run", "--no-overlaps")
    check(r.returncode == 0 and slip in r.stderr, "--tz: set --dry-run warns that a daily rule slips with DST")
    r = k6(env, "--tz", "Europe/Berlin", "set", "82", "--starts", "2026-12-08T06:00", "--frequency", "daily")
    check(r.returncode == 0 and slip in r.stderr, "--tz: set warns the same")
    r = k6(env, "--tz", "Europe/Berlin", "set", "82", "--starts", "2026-12-07T06:30", "--frequency", "weekly",
           "--byday", "MO,FR", "--dry-run", "--no-overlaps")
    check(r.returncode == 0 and '--cron "30 6 * * MO,FR" --time-zone Europe/Berlin' in r.stderr,
          "--tz: a weekly rule's suggestion keeps its days")
    for tz in ([], ["--tz", "UTC"], ["--tz", "Asia/Tokyo"]):
        r = k6(env, *tz, "set", "82", "--starts", "2026-12-08T06:00:00Z", "--frequency", "daily", "--dry-run",
               "--no-overlaps")
        check(r.returncode == 0 and "daylight" not in r.stderr, f"no DST warning with {tz or 'no --tz'}")
    r = k6(env, "--tz", "Europe/Berlin", "set", "82", "--starts", "2026-12-08T06:00", "--cron", "0 6 * * *",
           "--time-zone", "Europe/Berlin", "--dry-run", "--no-overlaps")
    check(r.returncode == 0 and "daylight" not in r.stderr, "no DST warning for a cron schedule in the zone")
    e.stop()


def pause_and_resume():
    """pause --all --save, then resume FILE: exactly what was paused runs again; nothing else changes."""
    e = Emulator()
    env = e.env()
    work = tempfile.mkdtemp()
    saved = os.path.join(work, "paused.json")
    for load_test in ("150", "151"):  # one run, in the past of the emulator's clock: expired
        k6(env, "set", load_test, "--starts", "2025-01-01T00:00:00Z")
    before = {s["id"]: s for s in map(json.loads, k6(env, "--json", "list", "--all").stdout.splitlines())}
    expired = sorted(i for i, s in before.items() if not s["deactivated"] and s["next_run"] is None)
    was_deactivated = sorted(i for i, s in before.items() if s["deactivated"])
    running = sorted(i for i, s in before.items() if not s["deactivated"] and s["next_run"] is not None)
    check(expired and was_deactivated and running, "the seed has expired, deactivated and running schedules")
    r = k6(env, "pause", "--all", "--save", saved)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and sorted(int(l.split()[1]) for l in lines if l.startswith("paused ")) == running
          and sorted(int(l.split()[1]) for l in lines if l.endswith(" (expired: no run left)")) == expired
          and lines[-1] == f"{len(running)} paused, {len(expired)} skipped, 0 failed"
          and (f"{len(was_deactivated)} schedule is deactivated already: left out" if len(was_deactivated) == 1 else
               f"{len(was_deactivated)} schedules are deactivated already: left out") in r.stderr,
          "pause --all: what runs is paused, expired ones are skipped and said so, deactivated ones left out")
    recorded = json.load(open(saved))
    check(recorded["format"] == "k6-schedules-paused/1"
          and sorted(s["id"] for s in recorded["schedules"]) == running
          and all(s["load_test_id"] == before[s["id"]]["load_test_id"] for s in recorded["schedules"]),
          "--save records exactly what was paused, with each load test")
    r = k6(env, "pause", "--all", "--save", saved)
    check(r.returncode == 0 and sorted(s["id"] for s in json.load(open(saved))["schedules"]) == running,
          "pausing again with the same --save file keeps what the first pause recorded")
    r = k6(env, "resume", saved)
    check(r.returncode == 0 and r.stdout.splitlines()[-1] == f"{len(running)} resumed, 0 failed",
          "resume FILE: every paused schedule resumed, exit 0")
    after = {s["id"]: s for s in map(json.loads, k6(env, "--json", "list", "--all").stdout.splitlines())}
    check(all(after[i]["deactivated"] == before[i]["deactivated"] for i in before),
          "pause then resume round-trips: the schedules deactivated before stay so, the others run again")
    # An expired schedule in the file (it expired while paused): skipped, not failed.
    with open(saved, "w") as f:
        json.dump({"format": "k6-schedules-paused/1", "schedules": [
            {"id": running[0], "load_test_id": before[running[0]]["load_test_id"]},
            {"id": expired[0], "load_test_id": before[expired[0]]["load_test_id"]}]}, f)
    r = k6(env, "resume", saved)
    check(r.returncode == 0 and f"skipped {expired[0]} (expired: no run left)" in r.stdout.splitlines()
          and r.stdout.splitlines()[-1] == "1 resumed, 1 skipped, 0 failed",
          "resume: an expired schedule is 'skipped (expired: no run left)', exit 0")
    r = k6(env, "--json", "pause", str(running[1]), str(was_deactivated[0]), str(expired[0]))
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and lines == [{"id": running[1], "ok": True},
                                          {"id": was_deactivated[0], "ok": True, "skipped": "already deactivated"},
                                          {"id": expired[0], "ok": True, "skipped": "expired: no run left"},
                                          {"summary": {"paused": 1, "failed": 0, "skipped": 2}}],
          "pause IDS --json: a line per id, skipped ones say why")
    piped = subprocess.run([CLI, "resume", "-"], env=env, capture_output=True, text=True, timeout=60,
                           input=f"{running[1]}\n")
    outputs.extend([piped.stdout, piped.stderr])
    check(piped.returncode == 0 and piped.stdout.splitlines() == [f"resumed {running[1]}", "1 resumed, 0 failed"],
          "resume -: ids from stdin")
    piped = subprocess.run([CLI, "pause", "-"], env=env, capture_output=True, text=True, timeout=60, input="")
    outputs.extend([piped.stdout, piped.stderr])
    check(piped.returncode == 0 and piped.stderr == "no SCHEDULE_ID on stdin: nothing to do\n",
          "pause - with nothing on stdin: nothing to do, exit 0")
    with open(saved, "w") as f:
        f.write("not json")
    r = k6(env, "pause", str(running[2]), "--save", saved)
    check(r.returncode == 2 and "is not a list of paused schedules" in r.stderr
          and '"deactivated":false' in k6(env, "--json", "show", str(running[2])).stdout.replace(" ", ""),
          "pause --save over a file that is not a pause file: refused before anything is paused")
    r = k6(env, "resume", saved)
    check(r.returncode == 2 and "is not a list of paused schedules" in r.stderr, "resume of a file that is not one: exit 2")
    r = k6(env, "pause", "1", "--all")
    check(r.returncode == 2, "pause with ids and --all: a usage error")
    shutil.rmtree(work, ignore_errors=True)
    e.stop()


def delete_many_asks_on_a_terminal():
    """delete of more than 10 ids typed on a terminal asks first; --yes answers; a pipe never asks."""
    e = Emulator()
    env = e.env()
    ids = [str(json.loads(k6(env, "--json", "set", str(load_test), "--starts", "2030-01-01T00:00:00Z").stdout)["id"])
           for load_test in range(200, 211)]

    def on_terminal(answer, *args):
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(CLI, [CLI, *args], env)
        seen = b""
        while b"[y/N]" not in seen and answer is not None:
            seen += os.read(fd, 1024)
        if answer is not None:
            os.write(fd, answer.encode() + b"\n")
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        _, status = os.waitpid(pid, 0)
        outputs.append(seen.decode(errors="replace"))
        return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")

    status, text = on_terminal("n", "delete", *ids)
    check(status == 2 and "delete 11 schedules? [y/N]" in text and "nothing deleted" in text
          and k6(env, "show", ids[0]).returncode == 0, "delete of 11 ids on a terminal asks; 'n' deletes nothing (exit 2)")
    status, text = on_terminal(None, "delete", "--yes", *ids[:6])
    check(status == 0 and "[y/N]" not in text and "6 deleted, 0 failed" in text, "--yes: no question")
    status, text = on_terminal("y", "delete", *ids)
    check(status == 1 and "5 deleted, 6 failed" in text, "'y' deletes (the 6 deleted before are 404s now)")
    e.stop()


def bash_completes(script, cwd, *words):
    """What the bash script offers for the command line `k6-schedules WORDS...`, the last word being
    completed: its function run in a real bash, with COMP_WORDS and COMP_CWORD as bash sets them."""
    driver = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; '
              'COMP_POINT=${#COMP_LINE}; _k6_schedules; printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", driver, "bash", script, "k6-schedules", *words],
                       cwd=cwd, capture_output=True, text=True, timeout=60)
    return sorted(line for line in r.stdout.splitlines() if line) if r.returncode == 0 and not r.stderr else None


def zsh_completes(script, *words, autoload=False):
    """What the zsh script hands to zsh's completion for `k6-schedules WORDS...`: its function run in
    a real zsh, with zsh's completion builtins replaced by functions that print what they are given
    (zsh itself would then match the candidates against the word). `autoload`: loaded from $fpath."""
    stubs = ("compadd() { [[ $1 == -- ]] && shift; print -l -- $@ }\n"
             "_describe() { print -l -- ${${(P)4}%%:*} }\n"  # the names, without their descriptions
             "_files() { print -- '<files>' }\n"
             "_message() { print -- \"<message $1>\" }\n"
             "compset() { : }\n"
             "compdef() { print -- \"<compdef $*>\" }\n")
    load = ('fpath=(${1:h} $fpath); autoload -U _k6-schedules' if autoload else 'source $1')
    driver = stubs + load + '; shift; words=("$@"); CURRENT=$#; _k6-schedules'
    r = subprocess.run(["zsh", "-f", "-c", driver, "zsh", script, "k6-schedules", *words],
                       capture_output=True, text=True, timeout=60)
    return sorted(line for line in r.stdout.splitlines() if line) if not r.stderr else None


def group_completion():
    """Shell completion: the scripts k6-schedules writes, run in real shells."""
    env = {"PATH": os.environ.get("PATH", "")}  # no token, no server: completion sends nothing
    # Every command, from two routes: the COMMANDS section of --help and the short usage (the table).
    usage = k6(env, "--help").stdout
    section = usage[usage.index("\nCOMMANDS\n") + len("\nCOMMANDS\n"):].split("\n\n")[0]
    from_help = sorted(set(re.findall(r"^  ([a-z]+)\b", section, re.M)))
    from_table = sorted(re.search(r"^commands: (.*)$", k6(env, "lsit").stderr, re.M).group(1).split())
    check(from_help == from_table and "completion" in from_help,
          f"--help's COMMANDS and the table name the same {len(from_table)} commands, completion among them")
    work = tempfile.mkdtemp()
    script = os.path.join(work, "k6-schedules.bash")
    r = k6(env, "completion", "bash")
    with open(script, "w", encoding="utf-8") as f:
        f.write(r.stdout)
    check(r.returncode == 0 and r.stderr == "" and "complete -F _k6_schedules k6-schedules" in r.stdout,
          "completion bash: a script, with no token and no server")
    syntax = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
    check(syntax.returncode == 0 and syntax.stderr == "", "bash -n accepts the bash script")
    os.mkdir(os.path.join(work, "docs"))
    open(os.path.join(work, "docs", "schedules.json"), "w").close()
    open(os.path.join(work, "token.txt"), "w").close()

    def offers(words, expected, what):
        got = bash_completes(script, work, *words)
        check(got == sorted(expected), f"bash: {what} (got {got})")

    offers([""], from_table, "every command for an empty word")
    offers(["li"], ["list"], "k6-schedules li -> list")
    offers(["de"], ["deactivate", "delete"], "k6-schedules de -> deactivate, delete")
    offers(["set", "--fr"], ["--frequency", "--from-file"], "k6-schedules set --fr -> --frequency, --from-file")
    offers(["set", "7", "--frequency", ""], ["hourly", "daily", "weekly", "monthly", "yearly"], "--frequency's values")
    offers(["set", "7", "--frequency", "w"], ["weekly"], "--frequency w -> weekly")
    offers(["--ti"], ["--timeout"], "a global flag at the command position")
    offers(["--json", "li"], ["list"], "a global switch before the command")
    offers(["--tz", "Europe/Berlin", "--retries", "2", "up"], ["upcoming"], "global flags with values before the command")
    offers(["--api-url", "=", "http://localhost:1", "ne"], ["next"], "--flag=value before the command (bash splits it at =)")
    offers(["--json", "set", "--fr"], ["--frequency", "--from-file"], "a command's flags after a global flag")
    offers(["list", "--ti"], ["--timeout"], "global flags after the command")
    check("--top" in (bash_completes(script, work, "list", "") or []) and
          "--json" in (bash_completes(script, work, "list", "") or []) and
          "--frequency" not in (bash_completes(script, work, "list", "") or []),
          "bash: list's flags and the global ones for an empty word after list, not set's")
    offers(["show", ""], [], "an id expected: nothing offered")
    check("--starts" in (bash_completes(script, work, "set", "7", "") or []), "bash: set's flags once its id is given")
    offers(["plan", "docs/"], ["docs/schedules.json"], "plan FILE: files")
    offers(["apply", "doc"], ["docs"], "apply FILE: files (directories too)")
    offers(["--token-file", "tok"], ["token.txt"], "--token-file: files")
    offers(["set", "7", "--from-file", "docs/s"], ["docs/schedules.json"], "--from-file: files")
    offers(["export", "--output", "tok"], ["token.txt"], "--output: files")
    offers(["--ca-file", "=", "tok"], ["token.txt"], "--ca-file=FILE: files")
    offers(["--tz", "Europe/B"], ["Europe/Berlin"], "--tz: common zones")
    offers(["--tz", "lo"], ["local"], "--tz: local")
    offers(["auth", "st"], ["status"], "auth st -> status (the words a command takes)")
    offers(["pause", "--sa"], ["--save"], "pause --sa -> --save")
    offers(["list", "--state", ""], ["active", "deactivated", "expired"], "--state's values")
    offers(["list", "-o", ""], ["wide"], "-o's value")
    offers(["pause", "--save", "tok"], ["token.txt"], "pause --save: files")
    offers(["resume", "tok"], ["token.txt"], "resume FILE: files")
    offers(["set", "7", "--cron", "@daily", "--time-zone", "America/New"], ["America/New_York"], "--time-zone: common zones")
    offers(["completion", ""], ["bash", "zsh"], "completion: bash, zsh")
    offers(["lsit", ""], [], "an unknown command: nothing offered")

    r = k6(env, "completion", "zsh")
    zsh_script = os.path.join(work, "_k6-schedules")
    with open(zsh_script, "w", encoding="utf-8") as f:
        f.write(r.stdout)
    check(r.returncode == 0 and r.stdout.startswith("#compdef k6-schedules\n") and "bashcompinit" not in r.stdout
          and all(re.search(rf"^    \({name}\) ", r.stdout, re.M) for name in from_table),
          "completion zsh: a native zsh function (#compdef k6-schedules) with every command")
    if shutil.which("zsh"):
        syntax = subprocess.run(["zsh", "-n", zsh_script], capture_output=True, text=True)
        check(syntax.returncode == 0 and syntax.stderr == "", "zsh -n accepts the zsh script")

        def zsh_offers(words, expected, what, autoload=False):
            got = zsh_completes(zsh_script, *words, autoload=autoload)
            check(got == sorted(expected), f"zsh: {what} (got {got})")

        zsh_offers([""], from_table + ["<compdef _k6-schedules k6-schedules>"], "sourced: compdef, and every command")
        zsh_offers(["li"], from_table, "every command, loaded from $fpath (zsh matches them against the word)",
                   autoload=True)
        zsh_offers(["--tz", "UTC", "--json", ""], from_table + ["<compdef _k6-schedules k6-schedules>"],
                   "global flags before the command")
        got = zsh_completes(zsh_script, "--json", "set", "--fr", autoload=True) or []
        check("--frequency" in got and "--from-file" in got and "--json" in got and "--top" not in got,
              "zsh: set's flags and the global ones after set")
        zsh_offers(["set", "7", "--frequency", ""], ["hourly", "daily", "weekly", "monthly", "yearly"],
                   "--frequency's values", autoload=True)
        got = zsh_completes(zsh_script, "--tz=Eu", autoload=True) or []
        check("Europe/Berlin" in got and "local" in got and "list" not in got, "zsh: --tz=ZONE: the zones of --tz")
        zsh_offers(["plan", ""], ["<files>"], "plan FILE: files", autoload=True)
        zsh_offers(["--ca-file", ""], ["<files>"], "--ca-file: files", autoload=True)
        zsh_offers(["completion", ""], ["bash", "zsh"], "completion: bash, zsh", autoload=True)
        zsh_offers(["auth", ""], ["status"], "auth: status", autoload=True)
        zsh_offers(["show", ""], ["<message an id>"], "an id expected: said, nothing offered", autoload=True)
    else:
        print("skip zsh is not installed: its script is checked as text only")

    r = k6(env, "completion", "fish")
    check(r.returncode == 2 and "unknown shell fish" in r.stderr and "usage: k6-schedules completion bash|zsh" in r.stderr
          and r.stdout == "", "completion fish: a usage error (exit 2) with completion's usage")
    r = k6(env, "completion", "bahs")
    check(r.returncode == 2 and "did you mean bash?" in r.stderr, "completion bahs: did you mean bash")
    r = k6(env, "completion")
    check(r.returncode == 2 and "a shell is required" in r.stderr and r.stdout == "", "completion without SHELL: exit 2")
    r = k6(env, "completion", "bash", "zsh")
    check(r.returncode == 2 and "unexpected argument zsh" in r.stderr, "completion with two shells: exit 2")
    r = k6(env, "--json", "completion", "fish")
    check(r.returncode == 2 and json.loads(r.stderr)["error"]["kind"] == "usage", "--json completion fish: a JSON usage error")
    r = k6(env, "completion", "--help")
    check(r.returncode == 0 and "usage: k6-schedules completion bash|zsh" in r.stdout and "fpath" in r.stdout,
          "completion --help")
    shutil.rmtree(work, ignore_errors=True)


def group_auth():
    """auth status: which configuration is in effect, where the token comes from (never the token)."""
    e = Emulator()
    env = e.env()
    token_file = os.path.join(e.work, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    # Each source of the token, named; the token itself in no output (the secrets group checks every
    # output too, this group's included).
    sources = {"--token": (e.env(K6_CLOUD_TOKEN=None), ["--token", TOKEN]),
               f"--token-file {token_file}": (e.env(K6_CLOUD_TOKEN=None), ["--token-file", token_file]),
               "K6_CLOUD_TOKEN": (env, []),
               f"K6_CLOUD_TOKEN_FILE ({token_file})": (e.env(K6_CLOUD_TOKEN=None, K6_CLOUD_TOKEN_FILE=token_file), [])}
    for source, (source_env, flags) in sources.items():
        r = k6(source_env, *flags, "auth", "status")
        expected = [f"token source  {source}", f"api url       {e.url}", f"stack id      {STACK} (K6_CLOUD_STACK_ID)",
                    "token works"]
        check(r.returncode == 0 and r.stdout.splitlines() == expected and r.stderr == ""
              and TOKEN not in r.stdout + r.stderr, f"auth status names the token's source: {source}")
    # K6_CLOUD_TOKEN wins over K6_CLOUD_TOKEN_FILE: auth status says which one is used.
    r = k6(e.env(K6_CLOUD_TOKEN_FILE=token_file), "auth", "status")
    check(r.returncode == 0 and "token source  K6_CLOUD_TOKEN\n" in r.stdout, "K6_CLOUD_TOKEN over K6_CLOUD_TOKEN_FILE")
    # The stack id and where it comes from; a stack URL resolved to its id.
    r = k6(env, "--stack-id", STACK, "auth", "status")
    check(r.returncode == 0 and f"stack id      {STACK} (--stack-id)\n" in r.stdout, "auth status: a --stack-id")
    r = k6(e.env(K6_CLOUD_STACK_ID=None), "-v", "--stack-url", "https://emulator.grafana.net", "auth", "status")
    check(r.returncode == 0
          and f"stack id      {STACK} (resolved from --stack-url https://emulator.grafana.net)\n" in r.stdout
          and r.stdout.endswith("token works\n") and r.stderr.count("GET /cloud/v6/") == 1,
          "auth status: a --stack-url resolved to its id, one request")
    r = k6(e.env(K6_CLOUD_STACK_ID=None, K6_CLOUD_STACK_URL="https://emulator.grafana.net"), "auth", "status")
    check(r.returncode == 0
          and f"stack id      {STACK} (resolved from K6_CLOUD_STACK_URL (https://emulator.grafana.net))\n" in r.stdout,
          "auth status: a K6_CLOUD_STACK_URL resolved to its id")
    r = k6(e.env(K6_CLOUD_STACK_ID=None), "--stack-url", "https://other.grafana.net", "auth", "status")
    check(r.returncode == 1 and "stack id      not resolved (from --stack-url https://other.grafana.net)" in r.stdout
          and "token works" not in r.stdout and "403" in r.stderr, "auth status: a stack URL that does not resolve")
    # --json: one object.
    r = k6(env, "--json", "auth", "status")
    check(r.returncode == 0 and r.stderr == ""
          and json.loads(r.stdout) == {"token_source": "K6_CLOUD_TOKEN", "api_url": e.url, "stack_id": int(STACK),
                                       "stack_source": "K6_CLOUD_STACK_ID", "token_works": True},
          "auth status --json: one object")
    # A refused token: exit 1, and the hint names the source that was used.
    wrong_file = os.path.join(e.work, "refused")  # not named like the token: the redactor would mask it
    with open(wrong_file, "w") as f:
        f.write("wrong-token\n")
    r = k6(e.env(K6_CLOUD_TOKEN=None), "--token-file", wrong_file, "auth", "status")
    check(r.returncode == 1 and "token works" not in r.stdout and "401" in r.stderr
          and f"hint: the token from --token-file {wrong_file} was refused" in r.stderr,
          "auth status with a refused token: exit 1, the hint names --token-file and the file")
    r = k6(e.env(K6_CLOUD_TOKEN="wrong-token"), "--json", "auth", "status")
    error = json.loads(r.stderr)["error"]
    check(r.returncode == 1 and json.loads(r.stdout)["token_works"] is False and error["status"] == 401
          and error["hint"].startswith("the token from K6_CLOUD_TOKEN was refused"),
          "auth status --json with a refused token: token_works false, the error on stderr")
    r = k6(e.env(K6_CLOUD_TOKEN=None, K6_CLOUD_TOKEN_FILE=wrong_file), "show", "1")
    check(r.returncode == 1 and f"hint: the token from K6_CLOUD_TOKEN_FILE ({wrong_file}) was refused" in r.stderr,
          "any command's 401 names the token's source")
    # -v names the source once, before the attempts; under --json as one JSON object line.
    r = k6(e.env(K6_CLOUD_TOKEN=None), "-v", "--token-file", token_file, "show", "1")
    check(r.returncode == 0 and r.stderr.startswith(f"token from --token-file {token_file}\n")
          and r.stderr.count("token from") == 1, "-v: the token's source once, first")
    r = k6(e.env(K6_CLOUD_TOKEN=None), "-v", "--json", "--token", TOKEN, "list", "--all", "--top", "2")
    lines = [json.loads(line) for line in r.stderr.splitlines()]
    check(r.returncode == 0 and lines[0] == {"token_source": "--token"}
          and sum("token_source" in line for line in lines) == 1 and all("attempt" in line for line in lines[1:]),
          "-v --json: one {\"token_source\"} line, then the attempts")
    # Usage: auth status needs no stack URL; auth still does; an unknown word is refused.
    r = k6(env, "auth", "stauts")
    check(r.returncode == 2 and "unknown argument stauts (did you mean status?)" in r.stderr
          and "auth status" in r.stderr, "auth stauts: a usage error, did you mean status")
    r = k6(env, "auth", "foo")
    check(r.returncode == 2 and "unknown argument foo" in r.stderr and r.stdout == "", "auth foo: a usage error")
    r = k6(env, "auth")
    check(r.returncode == 2 and "auth needs the stack's URL: --stack-url URL or K6_CLOUD_STACK_URL" in r.stderr,
          "auth without status and without a stack URL: a usage error, as before")
    r = k6(env, "auth", "status", "more")
    check(r.returncode == 2 and "unexpected argument more" in r.stderr, "auth status takes nothing more")
    r = k6(env, "auth", "--help")
    check(r.returncode == 0 and "auth status" in r.stdout, "auth --help describes auth status")
    e.stop()


def group_secrets():
    for runner in (group_commands, group_json, group_exit_codes, group_precedence, group_verbose, group_output,
                   group_input, group_messages, group_bulk, group_upcoming, group_plan, group_day, group_completion,
                   group_auth):
        runner()
    leaked = [text for text in outputs if TOKEN in text]
    check(not leaked, f"the token appears in none of {len(outputs)} outputs (stdout and stderr)")
    reflected_token_never_shown()


{"commands": group_commands, "json": group_json, "exit-codes": group_exit_codes, "precedence": group_precedence,
 "verbose": group_verbose, "output": group_output, "input": group_input, "messages": group_messages,
 "bulk": group_bulk, "upcoming": group_upcoming, "plan": group_plan, "day": group_day,
 "completion": group_completion, "auth": group_auth, "secrets": group_secrets}[GROUP]()
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
