#!/usr/bin/env python3
"""check_agent_otlp.py RECV.jsonl - assert the agent's decoded OTLP exports.

RECV.jsonl is what tests/interop/receiver.js wrote: one line per request,
decoded by the OpenTelemetry project's generated code.  Prints TAP.
"""
import base64
import json
import sys

n = 0
failed = 0


def check(name, cond, why=""):
    global n, failed
    n += 1
    if cond:
        print("ok %d - %s" % (n, name))
    else:
        failed += 1
        print("not ok %d - %s" % (n, name))
        if why:
            for line in str(why).splitlines():
                print("# " + line)


def attrs(kvs):
    out = {}
    for kv in kvs or []:
        v = kv.get("value", {})
        for k in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if k in v:
                out[kv["key"]] = v[k]
    return out


reqs = [json.loads(line) for line in open(sys.argv[1])]
by_path = {}
for r in reqs:
    by_path.setdefault(r["path"], []).append(r)
check("requests on /v1/metrics, /v1/traces and /v1/logs",
      all(p in by_path for p in ("/v1/metrics", "/v1/traces", "/v1/logs")),
      "paths: %r" % sorted(by_path))
check("every request protobuf and gzip",
      all(r["contentType"] == "application/x-protobuf" and
          r.get("contentEncoding") == "gzip" for r in reqs),
      repr([(r["contentType"], r.get("contentEncoding")) for r in reqs]))

spans, logs, metrics, resources = [], [], {}, []
for r in by_path.get("/v1/traces", []):
    for rs in r["request"].get("resourceSpans", []):
        resources.append(attrs(rs["resource"]["attributes"]))
        for ss in rs.get("scopeSpans", []):
            spans += ss.get("spans", [])
for r in by_path.get("/v1/logs", []):
    for rl in r["request"].get("resourceLogs", []):
        for sl in rl.get("scopeLogs", []):
            logs += sl.get("logRecords", [])
for r in by_path.get("/v1/metrics", []):
    for rm in r["request"].get("resourceMetrics", []):
        resources.append(attrs(rm["resource"]["attributes"]))
        for sm in rm.get("scopeMetrics", []):
            check("scope is riptel", sm.get("scope", {}).get("name") == "riptel",
                  repr(sm.get("scope")))
            for m in sm.get("metrics", []):
                metrics[m["name"]] = m

res = resources[0] if resources else {}
for k in ("service.name", "service.version", "host.name", "host.arch",
          "os.type", "os.version"):
    check("resource has %s" % k, k in res, repr(res))
check("service.name defaults to riptel-agent",
      res.get("service.name") == "riptel-agent", repr(res))
check("OTEL-style resource attributes from config reach the resource",
      res.get("deployment.environment") == "test", repr(res))

connect = [s for s in spans if s["name"] == "connect"]
check("connection spans present", len(connect) >= 1, repr([s["name"] for s in spans]))
client = [s for s in connect if s["kind"] == "SPAN_KIND_CLIENT"]
check("outbound connection is a CLIENT span", len(client) >= 1,
      repr([s["kind"] for s in connect]))
for s in connect:
    tid = base64.b64decode(s["traceId"])
    sid = base64.b64decode(s["spanId"])
    check("span %s ids are 16 and 8 bytes" % s["spanId"],
          len(tid) == 16 and len(sid) == 8, "%d %d" % (len(tid), len(sid)))
allowed = [s for s in connect
           if attrs(s["attributes"]).get("riptides.decision") == "allow"]
denied = [s for s in connect
          if attrs(s["attributes"]).get("riptides.decision") == "deny"]
check("an allowed and a denied connection", allowed and denied,
      repr([attrs(s["attributes"]).get("riptides.decision") for s in connect]))
if allowed:
    a = attrs(allowed[0]["attributes"])
    check("allowed span carries both SPIFFE IDs",
          a.get("riptides.local.spiffe_id", "").startswith("spiffe://") and
          a.get("riptides.peer.spiffe_id", "").startswith("spiffe://"), repr(a))
    check("allowed span carries network attributes",
          all(k in a for k in ("network.transport", "network.peer.address",
                               "network.peer.port")), repr(a))
    ev = [e["name"] for e in allowed[0].get("events", [])]
    check("policy decision is a span event", "riptides.policy.decision" in ev, repr(ev))
    kids = [s for s in spans if s.get("parentSpanId") == allowed[0]["spanId"]]
    check("handshake is a child span of its connection",
          any(s["name"] == "tls handshake" for s in kids),
          repr([(s["name"], s.get("parentSpanId")) for s in spans]))
if denied:
    st = denied[0].get("status", {})
    check("denied span has status ERROR", st.get("code") == "STATUS_CODE_ERROR", repr(st))

trace_ids = {s["traceId"] for s in spans}
check("log records present", len(logs) >= 1)
tied = [l for l in logs if l.get("traceId") in trace_ids]
check("denial log carries its connection's trace id", len(tied) >= 1,
      repr([(l.get("body"), l.get("traceId")) for l in logs]))
check("logs have severity numbers",
      all(l.get("severityNumber", "").startswith("SEVERITY_NUMBER_") for l in logs),
      repr([l.get("severityNumber") for l in logs]))

c = metrics.get("riptides.connections")
check("riptides.connections is a monotonic cumulative Sum",
      c is not None and "sum" in c and c["sum"].get("isMonotonic") and
      c["sum"].get("aggregationTemporality") == "AGGREGATION_TEMPORALITY_CUMULATIVE",
      repr(c)[:400])
hist = [m for m in metrics.values() if "histogram" in m]
check("histograms present", len(hist) >= 1, repr(sorted(metrics)))
for m in hist:
    for p in m["histogram"].get("dataPoints", []):
        check("%s: bucket_counts has one more entry than explicit_bounds" % m["name"],
              len(p.get("bucketCounts", [])) == len(p.get("explicitBounds", [])) + 1,
              repr(p)[:300])
        check("%s: count equals the sum of buckets" % m["name"],
              int(p["count"]) == sum(int(b) for b in p["bucketCounts"]), repr(p)[:300])
        break
check("units set on duration histograms",
      any(m.get("unit") == "s" for m in hist), repr([(m["name"], m.get("unit")) for m in hist]))
print("1..%d" % n)
sys.exit(1 if failed else 0)
