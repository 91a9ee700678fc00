#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Writes the fuzzers' seed corpora into OUT_DIR/<target>/, one file per seed.

Usage: make_corpus.py OUT_DIR [SPEC_EXAMPLES_JSON]

fuzz_json_decode: every example of tests/data/spec_examples.json (schedules, list pages, requests, and
error bodies if the file ever has them), serialised compactly and prefixed with the byte that selects
the model in fuzz_json_decode.cpp; the spec has no error examples, so error bodies are written here
following its ErrorApiModel schema. The other targets get the spec's date-times and @nextLink plus a
few hand-written values; fuzz_next_link's seeds start with the byte that selects its API URL;
fuzz_error_text gets error answers (the error bodies above, HTML, text) that echo a token whole,
cut off or JSON-escaped, with hostile reason phrases; fuzz_connect_answer gets proxy answers to
CONNECT, forged responses after them included. Existing files are overwritten; files
libFuzzer added are left alone.
"""
import json
import pathlib
import sys

# data[0] % 4 in fuzz_json_decode.cpp
SCHEDULE, PAGE, ERROR, REQUEST = 0, 1, 2, 3

ERROR_BODIES = [
    {"code": "not_found", "message": "Load test not found."},
    {"code": "error", "message": "Validation error.", "target": None, "details": None},
    {"code": "error", "message": "Validation error.", "target": "starts",
     "details": [{"code": "invalid", "message": "Must be in the future.", "target": "starts"},
                 {"code": "invalid", "message": "Unknown time zone."}]},
]

EXTRA_TIMESTAMPS = [
    "2024-07-16T10:46:04+02:00", "2024-07-16t08:46:04.021z", "2024-07-16T08:46:04.123456789-05:30",
    "2016-12-31T23:59:60Z", "0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999-23:59", "2024-02-29T00:00:00Z",
]

# fuzz_error_text: (status selector, token, reason phrase, body); the token is echoed in the body.
TOKEN = "glc_eyJvIjoiMTIzNCJ9"
ODD_TOKEN = 'q"b\\s/<x>'  # header-safe, yet JSON escapes it
ERROR_TEXTS = [
    (0, TOKEN, "Bad Request", json.dumps({"error": {"code": "invalid", "message": f"Token {TOKEN} is invalid.",
                                                    "target": TOKEN[:9] + "..."}})),
    (2, ODD_TOKEN, "Bad Gateway", f"<html><body>{ODD_TOKEN} \x1b[31mdown\x07\u202e</body></html>"),
    (3, ODD_TOKEN, "Forbidden", json.dumps({"detail": f"denied for {ODD_TOKEN}"})),
    (29, TOKEN, "Too Many Requests\x1b]0;x\x07", "x" * 190 + TOKEN + "y" * 40),
    (100, TOKEN, "Internal Server Error\r\n\x9b2J", json.dumps(
        {"error": {"code": "e\x1b", "message": "m\u0085\u2066",
                   "details": [{"code": "c", "message": TOKEN[:12]} for _ in range(40)]}})),
    (4, "", "", ""),
]

# fuzz_connect_answer: what a proxy may answer to CONNECT (bytes after the header fail the tunnel).
CONNECT_ANSWERS = [
    "HTTP/1.1 200 Connection established\r\n\r\n",
    "HTTP/1.0 200 OK\r\nProxy-Agent: tinyproxy/1.11.1\r\n\r\n",
    "HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n"
    "Content-Length: 4\r\n\r\nnope",
    "HTTP/1.1 403 hunter2secret \x9b2J cHJveHl1c2VyOmh1bnRlcjJzZWNyZXQ=\r\n\r\n",
    "HTTP/1.1 502 " + "x" * 600 + "\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
]

RETRY_AFTER = [
    "120", "0", "  7\t", "99999999999999999999", "Sun, 06 Nov 1994 08:49:37 GMT", "Wed, 17 Jul 2024 08:46:04 GMT",
    "Thu, 31 Dec 9999 23:59:60 GMT",
]


def examples_of(node, key):
    return list(node.get(key, {}).values())


def collect(node, names, out):
    """Every string value of a member called one of `names`, anywhere in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in names and isinstance(value, str):
                out.append(value)
            collect(value, names, out)
    elif isinstance(node, list):
        for value in node:
            collect(value, names, out)
    return out


def main():
    out_dir = pathlib.Path(sys.argv[1])
    spec_path = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else
                             pathlib.Path(__file__).resolve().parents[1] / "data" / "spec_examples.json")
    spec = json.loads(spec_path.read_text())
    seeds = {"json": [], "rfc3339": [], "next_link": [], "retry_after": [], "error_text": [], "connect_answer": [],
             "schedule_document": [], "page": []}

    def add_json(selector, value):
        seeds["json"].append(bytes([selector]) + json.dumps(value, separators=(",", ":")).encode())

    for schedule in examples_of(spec, "schedule"):
        add_json(SCHEDULE, schedule)
    for page in examples_of(spec, "list"):
        add_json(PAGE, page)
    for body in examples_of(spec, "error") + ERROR_BODIES:
        add_json(ERROR, body.get("error", body))
    for request in examples_of(spec, "request"):
        add_json(REQUEST, request)
    # Bodies that reflect a token ("$$" becomes "Bearer <planted token>" in fuzz_json_decode.cpp)
    # into the fields a decoder quotes in its error, and into @nextLink.
    reflected = dict(examples_of(spec, "schedule")[0])
    for field in ("starts", "next_run", "created_by", "id"):
        add_json(SCHEDULE, {**reflected, field: "$$"})
    add_json(SCHEDULE, {**reflected, "recurrence_rule": {"frequency": "$$", "byday": ["$$"], "until": "x$$"}})
    add_json(PAGE, {"value": [{**reflected, "starts": "2025-01-01T00:00:00$$"}], "@nextLink": "https://x/$$"})
    add_json(REQUEST, {"starts": "$$", "cron": {"schedule": "$$", "time_zone": "$$"}})
    # A last page: every schedule example, no @nextLink.
    add_json(PAGE, {"value": examples_of(spec, "schedule"), "@count": len(examples_of(spec, "schedule"))})
    # fuzz_page_decoder: pages as they come (no selector byte), and the near misses the streaming
    # decoder must leave to the tree one: a repeated member, a wrong type, a member missing.
    schedules = examples_of(spec, "schedule")
    pages = [p for p in examples_of(spec, "list")] + [{"value": schedules, "@count": len(schedules),
                                                       "@nextLink": "https://api.k6.io/cloud/v6/schedules?$skip=2"}]
    seeds["page"] = [json.dumps(p).encode() for p in pages]
    first = json.dumps(schedules[0])
    seeds["page"] += [
        ('{"value": [' + first[:-1] + ', "id": 7}]}').encode(),          # a repeated member: the last wins
        ('{"value": [' + first + '], "value": []}').encode(),
        json.dumps({"value": [{**schedules[0], "id": 1.0}]}).encode(),
        json.dumps({"value": [{k: v for k, v in schedules[0].items() if k != "created_by"}]}).encode(),
        json.dumps({"value": [{**schedules[0], "recurrence_rule": {"frequency": "DAILY", "interval": None}}]}).encode(),
        json.dumps({"value": [{**schedules[0], "extra": {"a": [1, {"b": None}]}}], "@count": 18446744073709551615}).encode(),
        b'{"value": []} ',
        b'{"value": [], "@nextLink": null, "@count": null}',
    ]

    timestamps = collect(spec, {"starts", "next_run", "until"}, [])
    seeds["rfc3339"] = [t.encode() for t in dict.fromkeys(timestamps + EXTRA_TIMESTAMPS)]

    links = collect(spec, {"@nextLink"}, [])
    links += [
        "/cloud/v6/schedules?$skip=70&$top=20",      # relative, absolute path
        "schedules?$skip=50&$top=20",                  # relative path
        "?$skip=50&$top=20",                           # relative: the page's path, another query
        "https://evil.example.com/cloud/v6/schedules?$skip=50",  # another host: refused
        "//api.k6.io/cloud/v6/schedules?$skip=50",     # network-path reference
        "HTTPS://API.K6.IO:443/cloud/v6/schedules?$skip=50#x",
        "http://user:secret@proxy.internal:3128",       # also a proxy URL, with credentials
        "proxy.internal:8080",
        ".example.com, localhost,[::1]:8080,*",         # a NO_PROXY list
    ]
    # fuzz_next_link.cpp: data[0] chooses the API URL (0 https://api.k6.io, 1 .../cloud/v6,
    # 2 https://gw/k6, 3 http://127.0.0.1:8080/a/../k%36/, 4 https://[::1]:8443/k6/v%2F1); then links
    # separated by newlines, each resolved against the page the previous one led to.
    prefixed = [
        "https://gw/k6/cloud/v6/schedules?$skip=5",
        "https://gw/k6/../elsewhere",                  # dot segments leave the prefix: refused
        "/k6/%2e%2e/elsewhere",                        # so do encoded ones
        "/k6/.%2E/elsewhere",
        "https://gw/k6evil/cloud/v6/schedules",        # a longer name is not below /k6
        "/k6/cloud/x/../v6/%73chedules?%24skip=5",     # below /k6 once normalised
        "/k6%2F..%2Felsewhere",
        "../../../elsewhere",
        "/k6/cloud/v6/schedules?$top=5\n?$skip=5\nschedules?$skip=10\n./schedules?$skip=15\n#f",
        "/k6/a/b/c\n../../../../k6evil\n../x\n//gw/k6/y",
    ]
    seeds["next_link"] = [bytes([choice]) + link.encode() for choice in (0, 1)
                          for link in dict.fromkeys(links)]
    seeds["next_link"] += [bytes([choice]) + link.encode() for choice in (2, 3) for link in prefixed]
    seeds["next_link"] += [bytes([4]) + b"https://[::1]:8443/k6/v%2f1/x\n../../y\n/k6/v%2F1\n/k6/v/1"]
    seeds["next_link"] += [bytes([0]) + b"HTTPS://API.K6.IO:443'cloudclo/3/cloud#x"]  # an authority running into the path
    seeds["retry_after"] = [value.encode() for value in RETRY_AFTER]
    # [status selector][token length][reason length] token reason body, as fuzz_error_text.cpp reads it.
    for selector, token, reason, body in ERROR_TEXTS:
        token_bytes, reason_bytes = token.encode(), reason.encode()
        seeds["error_text"].append(bytes([selector, len(token_bytes), len(reason_bytes)]) + token_bytes +
                                   reason_bytes + body.encode())

    seeds["connect_answer"] = [answer.encode("latin-1") for answer in CONNECT_ANSWERS]

    # Schedules-as-code documents: every request example as an entry, the forms a person writes
    # (offsets, defaults left out, aliases, null), and near misses (an unknown key, a duplicate).
    entries = [{"load_test_id": i + 1, **request} for i, request in enumerate(examples_of(spec, "request"))]
    handwritten = [
        {"load_test_id": 12, "starts": "2027-01-04T07:00:00+01:00",
         "cron": {"schedule": "0 7 * * MON-FRI", "time_zone": "Europe/Berlin"}},
        {"load_test_id": 13, "starts": "2027-01-01T00:00:00Z",
         "recurrence_rule": {"frequency": "WEEKLY", "byday": ["MO", "TH"]}, "deactivated": True},
        {"load_test_id": 14, "starts": "2027-01-01T00:00:00.5Z", "cron": {"schedule": "@daily"}},
        {"load_test_id": 15, "starts": "2027-01-01T00:00:00Z", "cron": None,
         "recurrence_rule": {"frequency": "MONTHLY", "interval": 2, "count": 3, "until": "2028-01-01T00:00:00Z"}},
    ]
    for schedules in (entries, handwritten, handwritten[:1], []):
        seeds["schedule_document"].append(json.dumps({"format": "k6-schedules/1", "schedules": schedules},
                                                     indent=1).encode())
    seeds["schedule_document"].append(json.dumps({"format": "k6-schedules/1", "schedules": [
        {**handwritten[0], "cronn": 1}, {**handwritten[1], "load_test_id": 12}]}).encode())

    for target, values in seeds.items():
        directory = out_dir / target
        directory.mkdir(parents=True, exist_ok=True)
        for i, value in enumerate(values):
            (directory / f"seed-{i:02d}").write_bytes(value)
        print(f"make_corpus: {len(values)} seeds in {directory}")


if __name__ == "__main__":
    main()
