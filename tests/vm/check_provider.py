#!/usr/bin/env python3
"""check_provider.py OUT - judge what tests/vm/guest/provider.sh brought
back: which records riptel's pid and cgroup filters let through from an
identity provider, and the reference provider's not_before, dual-stack
peer lookup, fail-closed tracking table and bounded listener table.
Prints TAP."""
import json
import os
import re
import sys

OUT = sys.argv[1]
A = "spiffe://riptel.test/ns/a/sa/client-a"
B = "spiffe://riptel.test/ns/b/sa/client-b"
S = "spiffe://riptel.test/ns/s/sa/server"
ALLOW, DENY = "allow", "deny"
REASON_RULE_PEER, REASON_NOT_YET_VALID, REASON_OVERLOAD = 2, 8, 9

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


def type_stats(name, rtype):
    try:
        return json.loads(read(name))["types"].get(rtype, {})
    except (ValueError, KeyError):
        return {}


intern = {}
for line in read("intern.txt").splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[0].isdigit():
        intern[(int(parts[0]), int(parts[1]))] = parts[2]


def name_of(ref):
    if ref["id"] == 0 and ref["gen"] == 0:
        return ""
    return intern.get((ref["id"], ref["gen"]), "unknown")


recs = [r for r in records("agent.json") if "seq" in r]
t(len(recs) > 0, "agent recorded JSON", read("agent.err"))


def cookie(name):
    return int(kv(read(name)).get("cookie", "0"))


def of_type(rtype, ck=None):
    return [r for r in recs if r.get("type") == rtype and
            (ck is None or r.get("sock_cookie") == ck)]


# ---- 1. a pid filter on a bystander ----
prov = of_type("provider")
t(any(r["op"] == "attach" and r["name"] == "riptides_ref" for r in prov),
  "pid filter: the provider's attach record (about no process) passes", prov)
idents = [(r["op"], name_of(r["id"])) for r in of_type("identity")]
t(("issued", S) in idents and ("issued", A) in idents,
  "pid filter: identity records (about no process) pass", idents)
for rtype in ("provider", "identity"):
    st = type_stats("status_pid.json", rtype)
    t(st.get("filtered") == 0, f"pid filter: no {rtype} record counted filtered", st)
ck = cookie("conn_filtered.txt")
st = type_stats("status_pid.json", "conn_intercept")
t(ck and not of_type("conn_intercept", ck) and st.get("filtered", 0) >= 1,
  "pid filter: the intercept of idtool's connection is filtered (its subject is idtool)",
  (read("conn_filtered.txt"), st))

# ---- 2. a cgroup filter on the socket's cgroup ----
cg = kv(read("cgroups.txt"))
ck = cookie("conn_moved.txt")
ic = of_type("conn_intercept", ck)
t(ck and len(ic) == 1 and ic[0].get("cgroup_id") == int(cg.get("made", "-1")),
  "cgroup filter: a connection made after its process moved away passes on the socket's cgroup",
  (read("conn_moved.txt"), cg, ic, type_stats("status_cg.json", "conn_intercept")))
t(ck and len(ic) == 1 and ic[0].get("subject_tgid", 0) > 0,
  "the intercept carries the provider's tgid", ic)

# ---- 3. validity and the dual-stack listener ----


def decisions(name):
    return [(r["decision"], r["reason"], name_of(r["local_id"]), name_of(r["peer_id"]))
            for r in of_type("policy_decision", cookie(name))]


e = kv(read("conn_b_early.txt"))
t(e.get("rc") == "3" and decisions("conn_b_early.txt") ==
  [(DENY, REASON_NOT_YET_VALID, B, S)],
  "a certificate not valid yet: refused, reason not_yet_valid (8)",
  (read("conn_b_early.txt"), decisions("conn_b_early.txt")))
v = kv(read("conn_b_valid.txt"))
t(v.get("rc") == "0" and decisions("conn_b_valid.txt") ==
  [(ALLOW, REASON_RULE_PEER, B, S)],
  "the same workload once valid: allowed on the peer rule",
  (read("conn_b_valid.txt"), decisions("conn_b_valid.txt")))
a = kv(read("conn_a.txt"))
t(a.get("rc") == "0" and decisions("conn_a.txt") == [(ALLOW, REASON_RULE_PEER, A, S)],
  "IPv4 connect to a dual-stack [::] listener: the peer's identity is found",
  (read("conn_a.txt"), decisions("conn_a.txt")))

# ---- 4. the tables' bounds ----
held = read("held.txt")
t(held.count("connected") == 2, "two connections fill a tracking table of 2", held)
o = kv(read("conn_overload.txt"))
dec = decisions("conn_overload.txt")
t(o.get("rc") == "3" and len(dec) == 1 and dec[0][:2] == (DENY, REASON_OVERLOAD),
  "a third connection fails closed at once: refused, one decision, reason overload (9)",
  (read("conn_overload.txt"), dec))
sf = kv(read("status_full.txt"))
t(sf.get("conns") == "2" and sf.get("conns_full") == "1",
  "STATUS counts the connection the full table refused", read("status_full.txt"))
sl = kv(read("status_listen.txt"))
t(sl.get("listeners") == "4" and sl.get("listeners_full") == "3",
  "listeners past max_listeners are counted, not recorded", read("status_listen.txt"))
t(kv(read("conn_after.txt")).get("rc") == "0",
  "with the held connections closed, tracking has room again", read("conn_after.txt"))

# ---- 5. contended interning ----
rs = kv(read("rstatus_stress.txt"))
t(rs.get("slots") == "16" and int(rs.get("used", "99")) <= 16 and
  int(rs.get("evictions", "0")) >= 100 and rs.get("failed") == "0",
  "contended interning: 16 slots, evictions counted, nothing failed",
  read("rstatus_stress.txt"))
live = [line.split(" ", 2) for line in read("intern_stress.txt").splitlines()]
names = [p[2] for p in live if len(p) == 3]
t(0 < len(names) <= 16 and len(set(names)) == len(names) and
  all(x.startswith("spiffe://riptel.test/") for x in names),
  "contended interning: the live entries are whole and distinct", names)

print(f"1..{n}")
sys.exit(1 if failed else 0)
