#!/usr/bin/env python3
"""check_identity.py OUT - judge what tests/vm/guest/identity.sh brought
back: the agent's records for the two-workload policy, the intern table,
the provider attach/detach, interning through a small table, bad genl
input, and the reload loop.  Prints TAP."""
import json
import os
import re
import sys

OUT = sys.argv[1]
A = "spiffe://riptel.test/ns/a/sa/client-a"
B = "spiffe://riptel.test/ns/b/sa/client-b"
S = "spiffe://riptel.test/ns/s/sa/server"
E = "spiffe://riptel.test/exe/idtool"
C = "spiffe://riptel.test/cgroup/wl"
REASON_RULE_PEER, REASON_NO_RULE, REASON_UNMANAGED = 2, 3, 4
REASON_HANDSHAKE, REASON_PERMISSIVE = 5, 7

n = 0
failed = 0


def t(cond, name, why=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        for line in str(why).splitlines()[:20]:
            print(f"# {line}")


def read(name):
    try:
        with open(os.path.join(OUT, name), encoding="utf-8",
                  errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def kv(text):
    return dict(re.findall(r"(\w+)=(\S*)", text))


def records(name):
    recs = []
    for line in read(name).splitlines():
        if line.startswith("{"):
            try:
                recs.append(json.loads(line))
            except ValueError:
                pass
    return recs


# ---- the intern table, as riptel listed it at the end of the run ----
intern = {}
for line in read("intern.txt").splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[0].isdigit():
        intern[(int(parts[0]), int(parts[1]))] = parts[2]


def name_of(ref):
    if ref["id"] == 0 and ref["gen"] == 0:
        return ""
    return intern.get((ref["id"], ref["gen"]), "unknown")


recs = records("agent.json")
t(len(recs) > 0, "agent recorded JSON", read("agent.json.err"))

# ---- provider attach, before riptel ----
st = kv(read("rstatus_before.txt"))
t(st.get("providers") == "1" and st.get("names") == "riptides_ref:9",
  "provider loaded first: riptel attached 9 events", read("rstatus_before.txt"))
dmesg = read("dmesg.log")
t(dmesg.count("attached to provider riptides_ref: 9 of 9") >= 2,
  "kernel log: one attach line per attach", dmesg[-2000:])

# ---- the connections ----
ca, cb, cr = kv(read("conn_a.txt")), kv(read("conn_b.txt")), kv(read("conn_root.txt"))
t(ca.get("rc") == "0" and ca.get("sent") == "1000" and ca.get("recv") == "2000",
  "client-a connected and exchanged 1000/2000 bytes", read("conn_a.txt"))
t(cb.get("rc") == "3" and "refused" in read("conn_b.txt"),
  "client-b refused (ECONNREFUSED)", read("conn_b.txt"))
t(cr.get("rc") == "0", "unmanaged root client connected", read("conn_root.txt"))
served = read("served.txt").splitlines()
t(sorted(served) == sorted(["served got=1000", "served got=300", "served got=10"]),
  "server accepted exactly client-a, root and the permissive one",
  read("served.txt"))


def by(typ, cookie):
    return [r for r in recs if r.get("type") == typ and
            str(r.get("sock_cookie")) == str(cookie)]


for label, c, local, allowed in (("client-a", ca, A, True),
                                 ("client-b", cb, B, False)):
    cookie = c.get("cookie", "none")
    ic = by("conn_intercept", cookie)
    t(len(ic) == 1 and ic[0]["rport"] == 8080 and ic[0]["direction"] == "outbound"
      and name_of(ic[0]["local_id"]) == local,
      f"{label}: one conn_intercept, port 8080, local ID {local}", ic)
    hs, hd = by("handshake_start", cookie), by("handshake_done", cookie)
    t(len(hs) == 1 and len(hd) == 1 and hs[0]["tls_version"] == 0x0304
      and hd[0]["result"] == 0 and name_of(hd[0]["peer_id"]) == S,
      f"{label}: simulated TLS 1.3 handshake, peer {S}", hs + hd)
    d = by("policy_decision", cookie)
    if allowed:
        good = (len(d) == 1 and d[0]["decision"] == "allow" and
                d[0]["reason"] == REASON_RULE_PEER and d[0]["rule"] == 0 and
                d[0]["tls_mode"] == "mutual")
    else:
        good = (len(d) == 1 and d[0]["decision"] == "deny" and
                d[0]["reason"] == REASON_NO_RULE and d[0]["rule"] == -1)
    t(good and name_of(d[0]["local_id"]) == local and
      name_of(d[0]["peer_id"]) == S,
      f"{label}: decision {'allow by rule 0' if allowed else 'deny, no rule'}, IDs right", d)
    cl = by("conn_close", cookie)
    if allowed:
        t(len(cl) == 1 and cl[0]["bytes_sent"] == 1000 and
          cl[0]["bytes_received"] == 2000 and cl[0]["duration_ns"] > 0,
          f"{label}: conn_close with 1000 bytes sent, 2000 received", cl)
    else:
        t(len(cl) == 0, f"{label}: no conn_close for a refused connection", cl)

d = by("policy_decision", cr.get("cookie", "none"))
t(len(d) == 1 and d[0]["decision"] == "allow" and
  d[0]["reason"] == REASON_UNMANAGED and d[0]["tls_mode"] == "passthrough" and
  d[0]["local_id"] == {"id": 0, "gen": 0},
  "unmanaged client: allow, passthrough, no identity", d)
rs = kv(read("ref_status.txt"))
t(rs.get("allowed") == "2" and rs.get("denied") == "1",
  "riptides_ref counted 2 allowed, 1 denied", read("ref_status.txt"))


def one_decision(fname, local, decision, reason, mode):
    c = kv(read(fname))
    d = by("policy_decision", c.get("cookie", "none"))
    return (len(d) == 1 and d[0]["decision"] == decision and
            d[0]["reason"] == reason and d[0]["tls_mode"] == mode and
            name_of(d[0]["local_id"]) == local and
            c.get("rc") == ("0" if decision == "allow" else "3")), d


good, d = one_decision("conn_exe.txt", E, "deny", REASON_NO_RULE, "mutual")
t(good, "exe selector: local ID by executable, denied", (read("conn_exe.txt"), d))
good, d = one_decision("conn_cg.txt", C, "deny", REASON_NO_RULE, "mutual")
t(good, "cgroup selector: local ID by cgroup, denied", (read("conn_cg.txt"), d))
good, d = one_decision("conn_perm.txt", C, "allow", REASON_PERMISSIVE,
                       "permissive")
t(good, "permissive: the denial is logged as allow, connection made",
  (read("conn_perm.txt"), d))
good, d = one_decision("conn_hsfail.txt", A, "deny", REASON_HANDSHAKE,
                       "mutual")
hd = by("handshake_done", kv(read("conn_hsfail.txt")).get("cookie", "none"))
t(good and len(hd) == 1 and hd[0]["result"] == -103 and
  hd[0]["peer_id"] == {"id": 0, "gen": 0},
  "failed simulated handshake: -ECONNABORTED, no peer, denied",
  (read("conn_hsfail.txt"), d, hd))

# ---- the agent's spans for the same connections (issue 4: process,
# cgroup, identity and span data per connection, from --output=json) ----
spans = [r for r in recs if r.get("type") == "span"]
t(len(spans) > 0, "agent emitted connection spans", "no span lines")


def span_of(fname):
    """The connect span of the connection whose cookie fname names, found
    through its intercept record's local port."""
    ic = by("conn_intercept", kv(read(fname)).get("cookie", "none"))
    if len(ic) != 1:
        return None, None
    for sp in spans:
        a = sp.get("attributes", {})
        if sp.get("name") == "connect" and \
           a.get("network.local.port") == ic[0]["lport"] and \
           a.get("network.peer.port") == ic[0]["rport"]:
            return sp, ic[0]
    return None, ic[0]


sp, ic = span_of("conn_a.txt")
a = sp["attributes"] if sp else {}
t(sp is not None and sp["kind"] == "client" and
  a.get("riptides.local.spiffe_id") == A and
  a.get("riptides.peer.spiffe_id") == S and
  a.get("riptides.decision") == "allow" and
  sp["status"]["code"] != "error" and
  a.get("riptides.bytes.sent") == 1000 and
  a.get("riptides.bytes.received") == 2000 and
  a.get("process.pid") == ic["tgid"] and
  a.get("tls.protocol.version") == "1.3",
  "span client-a: CLIENT, A -> server, allow, 1000/2000 bytes, its pid, TLS 1.3",
  (sp, ic))
kids = [x for x in spans if sp and x.get("parent_span_id") == sp["span_id"]]
t(any(x["name"] == "tls handshake" for x in kids),
  "span client-a: the handshake is its child span", kids)
sp, ic = span_of("conn_b.txt")
a = sp["attributes"] if sp else {}
t(sp is not None and a.get("riptides.local.spiffe_id") == B and
  a.get("riptides.decision") == "deny" and sp["status"]["code"] == "error" and
  a.get("process.pid") == ic["tgid"],
  "span client-b: B, deny, status ERROR, its pid", (sp, ic))
sp, ic = span_of("conn_cg.txt")
a = sp["attributes"] if sp else {}
t(sp is not None and a.get("riptides.local.spiffe_id") == C and
  a.get("riptides.cgroup.id") == ic["cgroup_id"] and ic["cgroup_id"] > 0 and
  a.get("process.pid") == ic["tgid"],
  "span cgroup workload: C, the workload's cgroup id and pid", (sp, ic))
sp, ic = span_of("conn_hsfail.txt")
t(sp is not None and sp["status"]["code"] == "error",
  "span with a failed handshake: status ERROR", (sp, ic))

# the agent prints records in drain order, CPU by CPU: order by time
ids = [(r["op"], name_of(r["id"]), r["serial"]) for r in
       sorted((r for r in recs if r.get("type") == "identity"),
              key=lambda r: r["ts_ns"])]
ops = [(op, name) for op, name, _ in ids]
t(ops == [("issued", A), ("issued", B), ("issued", S), ("revoked", B),
          ("rotated", A), ("issued", E), ("revoked", E), ("issued", C),
          ("revoked", C)],
  "identity records: issued a, b, server; revoked b; rotated a; exe, cgroup",
  ids)
t(all(len(s) == 16 for _, _, s in ids) and len(ids) == 9 and ids[0][2] != ids[4][2],
  "identity serials: 8 bytes, new serial on rotation", ids)
prov = [(r["op"], r["name"], r["events"]) for r in recs
        if r.get("type") == "provider"]
t(prov == [("attach", "riptides_ref", 9)],
  "agent saw the attach to the provider loaded first, once", prov)

res = read("resolve.txt").split()
t(len(res) == 2 and res[0] == res[1],
  "src/shared/spiffe.c resolves a live reference over genl", read("resolve.txt"))

# ---- bad input ----
bad = read("bad.txt")
nbad = len(re.findall(r"^ok ", bad, re.M))
t("rc=0" in bad and "not ok" not in bad and nbad >= 30,
  f"bad genl input: {nbad} cases rejected, nothing changed", bad)

# ---- interning through a small table ----
it = kv(read("intern_test.txt"))
t(it.get("rc") == "0" and it.get("wrong") == "0" and
  it.get("interned") == "10000" and it.get("fresh_ok") == "1000",
  "10,000 IDs via 256 slots: every fresh ID resolves, none wrong",
  read("intern_test.txt"))
t(int(it.get("unknown", "0")) > 0 and int(it.get("right", "0")) >= 256,
  "evicted IDs resolve to unknown, live ones right", read("intern_test.txt"))
si = kv(read("rstatus_intern.txt"))
t(si.get("slots") == "256" and si.get("used") == "256" and
  int(si.get("evictions", "0")) >= 10000 - 256,
  "intern table stayed at 256 slots and counted evictions",
  read("rstatus_intern.txt"))

# ---- riptel first, then the provider ----
sa, sg = kv(read("rstatus_after.txt")), kv(read("rstatus_gone.txt"))
t(sa.get("providers") == "1" and sa.get("names") == "riptides_ref:9",
  "provider loaded second: riptel attached 9 events", read("rstatus_after.txt"))
t(sg.get("providers") == "0", "provider unloaded: riptel detached",
  read("rstatus_gone.txt"))

# ---- reload loop ----
rl = kv(read("reload.txt"))
reloads = int(rl.get("reloads", "0"))
loaded = int(rl.get("loaded", "0"))
t(reloads >= 1 and loaded >= 1 and rl.get("fails") == "0",
  f"provider loaded, configured and unloaded {reloads} times quiet, "
  f"{loaded} under connections", read("reload.txt"))
t(int(rl.get("conns", "0")) > 0, "connections ran during the reloads",
  read("reload.txt"))
t(rl.get("ref0") == rl.get("ref1"), "riptel's refcount unchanged", read("reload.txt"))
# A leak grows with every reload.  The guest boots with slub_debug=U, so
# the kmalloc objects whose allocation stack passes through riptel (or the
# loaded provider) are counted exactly: after the first half of the quiet
# reloads (one-time allocations done) they must not grow.  The count of
# all kmalloc objects is only reported: other kernel activity moves it by
# +-75 objects between samples, as much as a one-object-per-reload leak.
try:
    first = int(rl["oursh"]) - int(rl["ours0"])
    second = int(rl["ours1"]) - int(rl["oursh"])
    allk = (int(rl["slabh"]) - int(rl["slab0"]), int(rl["slab1"]) - int(rl["slabh"]))
except (KeyError, ValueError):
    first = second = allk = None
t(second is not None and int(rl["ours0"]) > 0 and second < max(1, reloads // 10),
  f"riptel's kmalloc objects: {first} then {second} over two halves of {reloads} "
  f"quiet reloads (a leak would be >= {reloads // 2} per half)", read("reload.txt"))
print(f"# all kmalloc objects: {allk[0] if allk else None} then "
      f"{allk[1] if allk else None} over the same halves")
rr = records("agent_reload.json")
att = [r for r in rr if r.get("type") == "provider" and r.get("op") == "attach"]
det = [r for r in rr if r.get("type") == "provider" and r.get("op") == "detach"]
t(len(att) == reloads + loaded + 1 and len(det) == reloads + loaded + 1 and
  all(r["name"] == "riptides_ref" and r["events"] == 9 for r in att + det),
  f"agent saw {len(att)} attach and {len(det)} detach records", (len(att), len(det)))
t(len([r for r in rr if r.get("type") == "conn_close"]) > 0,
  "records kept flowing across reloads", "")

print(f"1..{n}")
sys.exit(1 if failed else 0)
