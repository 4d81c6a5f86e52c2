#!/usr/bin/env python3
"""demo-report.py AGENT.json - what riptel saw in the demo VM, for people.

Reads riptel-agent --output=json lines (records, spans, logs, metrics) and
prints the connections by identity, the log records and a metric snapshot.
"""
import json
import sys

recs, spans, logs, metrics = [], [], [], {}
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    t = o.get("type")
    if t == "span":
        spans.append(o)
    elif t == "log":
        logs.append(o)
    elif t == "metric":
        metrics[o["name"]] = o      # the last snapshot wins
    elif t != "summary":
        recs.append(o)

by_type = {}
for r in recs:
    by_type[r["type"]] = by_type.get(r["type"], 0) + 1
print("kernel records drained: %d  (%s)" % (
    len(recs), ", ".join("%s %d" % kv for kv in sorted(by_type.items()))))
print()
print("connections (one span each; the handshake is a child span):")
fmt = "  %-8s %-44s -> %-44s %-6s %-6s %s"
print(fmt % ("kind", "local SPIFFE ID", "peer SPIFFE ID", "policy", "status", "process"))
server_side = 0
shown = 0
for s in sorted(spans, key=lambda s: s["start_time_unix_nano"]):
    a = s["attributes"]
    if s["name"] != "connect" and not s["name"].startswith("accept"):
        continue
    if "riptides.decision" not in a and s["kind"] != "client":
        server_side += 1     # the accepting socket: TCP only, no provider intercept
        continue
    shown += 1
    print(fmt % (s["kind"], a.get("riptides.local.spiffe_id", "-"),
                 a.get("riptides.peer.spiffe_id", "-"), a.get("riptides.decision", "-"),
                 s["status"]["code"], "%s[%s] %s" % (
                     a.get("process.executable.name", "?"), a.get("process.pid", "?"),
                     a.get("process.user.name", ""))))
print("  + %d accepting-side spans (TCP only: the reference provider intercepts outbound connects)" % server_side)
hs = [s for s in spans if s["name"] == "tls handshake"]
print("  + %d handshake child spans (%d failed)" % (
    len(hs), sum(1 for s in hs if s["status"]["code"] == "error")))
print()
print("log records:")
for l in logs:
    print("  [%s] %s" % (l.get("severity_text") or l.get("severity_number"), l.get("body")))
print()
print("metrics (last snapshot):")
for name in sorted(metrics):
    m = metrics[name]
    if not name.startswith("riptides.") or name.startswith("riptides.agent"):
        continue
    for p in m["points"][:4]:
        v = p.get("value", p.get("count"))
        keys = {k: v2 for k, v2 in p["attributes"].items()
                if k in ("riptides.decision", "riptides.local.spiffe_id",
                         "riptides.decision.reason", "tls.protocol.version",
                         "riptides.handshake.outcome", "process.executable.name")}
        print("  %-32s %-6s %s" % (name, v, json.dumps(keys, sort_keys=True)))
if not recs or not shown:
    sys.exit("demo-report: %d records and %d connection spans: nothing to show" % (len(recs), shown))
