#!/usr/bin/env python3
"""check-probe-context.py - prove from the object code that probe context
allocates nothing and takes no sleeping lock.

    check-probe-context.py OBJ...    (riptel.o, riptides_ref.o: kbuild's
                                      linked objects, before modpost)

Roots are the functions a module marks as running in probe context
(tracepoint probes, irq_work, netfilter hooks): RIPTEL_PROBE_CONTEXT(fn) in
the source puts a pointer to fn into the section .discard.riptel_probe,
which the module link drops but the .o keeps.  From every root the call
graph that `objdump -dr` shows (calls and tail jumps, through relocations
or direct) is walked over the object's own functions; every external
function reached is looked up in DENY (allocators, frees, sleeping locks,
anything that may schedule).  On a PREEMPT_RT build a spinlock_t compiles
to rt_spin_lock(), a sleeping lock, while a raw_spinlock_t stays
_raw_spin_lock*(): so the rt kernels' objects show what the generic ones
cannot.  An indirect call reached from a root cannot be followed and is
an error too (paravirt irq-flag calls and a tracepoint's own iterator,
which calls the probes attached to it, excepted).

Prints one "ok"/"not ok" line per root (TAP body, no plan), with the path
from the root to each offending call, and the external functions reached
as a "#" note.  Exit 1 on any finding or if an object has no root.
"""
import re
import subprocess
import sys

# External functions probe context must never reach.  Matched against the
# whole name; 6.12 renamed allocators with a _noprof suffix.
DENY = [
    # allocators and their frees (on PREEMPT_RT neither may run atomic)
    r"(__)?kmalloc\w*", r"kmem_cache_alloc\w*", r"kmem_cache_free\w*",
    r"__?kvmalloc\w*", r"kvmalloc\w*", r"kvrealloc\w*", r"krealloc\w*",
    r"kmemdup\w*", r"kstrdup\w*", r"kstrndup\w*", r"kvfree\w*",
    r"kfree\w*", r"vfree", r"vmalloc\w*", r"__vmalloc\w*", r"vzalloc\w*",
    r"vmap", r"vunmap", r"__get_free_pages", r"get_zeroed_page\w*",
    r"__?alloc_pages\w*", r"alloc_pages\w*", r"__?folio_alloc\w*",
    r"free_pages", r"__free_pages", r"free_pages_exact", r"mempool_\w+",
    r"__alloc_percpu\w*", r"free_percpu", r"__alloc_skb", r"kfree_skb\w*",
    r"idr_alloc\w*", r"ida_alloc\w*",
    # sleeping locks
    r"mutex_\w*lock\w*", r"__mutex_\w+", r"ww_mutex_\w+", r"rt_mutex_\w+",
    r"rt_spin_\w+", r"rt_read_\w+", r"rt_write_\w+", r"rwbase_\w+",
    r"down", r"down_\w+", r"up_read", r"up_write", r"percpu_down_\w+",
    # waiting and scheduling
    r"schedule", r"schedule_timeout\w*", r"io_schedule\w*", r"msleep\w*",
    r"ssleep", r"usleep_range\w*", r"wait_for_completion\w*",
    r"synchronize_\w+", r"rcu_barrier\w*", r"__might_sleep", r"__might_resched",
    r"__might_fault", r"__cond_resched\w*", r"flush_work", r"flush_delayed_work",
    r"cancel_\w*work_sync", r"irq_work_sync", r"tracepoint_synchronize_unregister",
    r"_copy_from_user", r"_copy_to_user", r"copy_\w*_user\w*",
]
DENY_RE = re.compile("^(" + "|".join(DENY) + ")$")

# Indirect calls allowed in probe context: paravirt irq-flag operations.
INDIRECT_OK = re.compile(r"pv_ops")

# Retpoline thunks are indirect calls.  A tracepoint's __traceiter_*()
# calls the probes attached to it: each of those is a root of its own
# module (riptel.o's probes for the riptides_ref.o events).
THUNK_RE = re.compile(r"^__x86_indirect_(call_)?thunk_\w+$")
TRACEITER_RE = re.compile(r"^__traceiter_\w+$")

ROOT_SECTION = ".discard.riptel_probe"

FUNC_RE = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
SECTION_RE = re.compile(r"^Disassembly of section (\S+):$")
INSN_RE = re.compile(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$")
RELOC_RE = re.compile(r"^\s+([0-9a-f]+): (R_X86_64_\w+)\s+(\S+?)([-+]0x[0-9a-f]+)?$")
DIRECT_RE = re.compile(r"^[0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>$")


def objdump(args):
    return subprocess.run(["objdump"] + args, check=True, text=True,
                          capture_output=True).stdout.splitlines()


class Obj:
    def __init__(self, path):
        self.path = path
        self.funcs = {}          # name -> set of (kind, target)
        self.by_sec = {}         # section -> sorted [(addr, name)]
        self.defined = set()
        self._parse()

    def _func_at(self, sec, addr):
        best = None
        for a, n in self.by_sec.get(sec, []):
            if a <= addr:
                best = n
            else:
                break
        return best

    def _parse(self):
        lines = objdump(["-dr", "--no-show-raw-insn", self.path])
        sec = None
        cur = None
        pending = None          # (mnemonic, operand) of the last call/jmp
        raw = []                # (func, mnemonic, operand, reloc)
        for line in lines:
            m = SECTION_RE.match(line)
            if m:
                sec = m.group(1)
                cur = None
                continue
            m = FUNC_RE.match(line)
            if m:
                name = m.group(2)
                if name.startswith("__pfx_"):
                    cur = None
                    continue
                cur = name
                self.defined.add(name)
                self.funcs.setdefault(name, set())
                self.by_sec.setdefault(sec, []).append((int(m.group(1), 16), name))
                continue
            if cur is None:
                continue
            m = RELOC_RE.match(line)
            if m and pending is not None:
                raw.append((cur, sec, pending[0], pending[1], m.group(3),
                            int(m.group(4) or "0", 16) if m.group(4) else 0))
                pending = None
                continue
            m = INSN_RE.match(line)
            if not m:
                continue
            if pending is not None:
                raw.append((cur, sec, pending[0], pending[1], None, 0))
                pending = None
            mnem, ops = m.group(2), m.group(3).strip()
            if mnem.startswith("call") or mnem.startswith("jmp"):
                pending = (mnem, ops)
        if pending is not None:
            raw.append((cur, sec, pending[0], pending[1], None, 0))
        for s in self.by_sec.values():
            s.sort()
        for func, sec, mnem, ops, rsym, roff in raw:
            edge = self._edge(func, sec, mnem, ops, rsym, roff)
            if edge:
                self.funcs[func].add(edge)
        self.roots = self._roots()

    def _edge(self, func, sec, mnem, ops, rsym, roff):
        if rsym is not None:
            if rsym.startswith("."):
                # section-relative: a local function, at offset + 4
                target = self._func_at(rsym, roff + 4)
                if target is None or target == func:
                    return None
                return ("call", target)
            if rsym == func:
                return None
            if INDIRECT_OK.search(rsym) and "*" in ops:
                return None
            if THUNK_RE.match(rsym):
                return None if TRACEITER_RE.match(func) else ("indirect", rsym)
            return ("call", rsym)
        if ops.startswith("*"):
            return None if TRACEITER_RE.match(func) else ("indirect", ops)
        m = DIRECT_RE.match(ops)
        if m and m.group(1) != func:
            return ("call", m.group(1))
        return None

    def _roots(self):
        roots = []
        try:
            lines = objdump(["-r", "-j", ROOT_SECTION, self.path])
        except subprocess.CalledProcessError:
            return roots
        for line in lines:
            parts = line.split()
            if len(parts) != 3 or not parts[1].startswith("R_X86_64"):
                continue
            m = re.match(r"^(\S+?)([-+]0x[0-9a-f]+)?$", parts[2])
            sym, off = m.group(1), int(m.group(2) or "0", 16) if m.group(2) else 0
            if sym.startswith("."):
                sym = self._func_at(sym, off)
            if sym:
                roots.append(sym)
        return roots


def walk(obj, root):
    """Findings (path, what) and external callees reached from root."""
    findings, external = [], set()
    seen = {root: None}
    todo = [root]
    while todo:
        f = todo.pop()
        for kind, target in sorted(obj.funcs.get(f, ())):
            if kind == "indirect":
                findings.append((path(seen, f), "indirect call " + target))
                continue
            if target in obj.defined:
                if target not in seen:
                    seen[target] = f
                    todo.append(target)
                continue
            external.add(target)
            if DENY_RE.match(target):
                findings.append((path(seen, f), target))
    return findings, external


def path(seen, f):
    p = [f]
    while seen[p[-1]] is not None:
        p.append(seen[p[-1]])
    return " <- ".join(p)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = False
    for path_ in argv[1:]:
        obj = Obj(path_)
        name = path_.rsplit("/", 1)[-1]
        if not obj.roots:
            print(f"not ok - {name}: no RIPTEL_PROBE_CONTEXT root in {ROOT_SECTION}")
            failed = True
            continue
        reached = set()
        for root in sorted(set(obj.roots)):
            if root not in obj.defined:
                print(f"not ok - {name}: root {root} is not a function of the object")
                failed = True
                continue
            findings, external = walk(obj, root)
            reached |= external
            if findings:
                failed = True
                print(f"not ok - {name}: {root} allocates nothing, takes no sleeping lock")
                for p, what in findings:
                    print(f"# {what} called from {p}")
            else:
                print(f"ok - {name}: {root} allocates nothing, takes no sleeping lock")
        print(f"# {name}: external functions reached from probe context: " +
              " ".join(sorted(reached)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
