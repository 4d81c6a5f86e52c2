# tests/lib.sh - TAP for shell tests.  Source it, then:
#
#   plan N                 print the plan up front (or call done_testing)
#   ok "name"              a passing test
#   not_ok "name" [why]    a failing test, why as a diagnostic
#   check "name" CMD...    ok if CMD succeeds, not ok (with its output) if not
#   is GOT WANT "name"     ok if the strings are equal
#   isnt GOT NOTWANT "name"
#   like GOT REGEX "name"  ok if GOT matches the extended regex
#   cmp_num A OP B "name"  numeric compare, OP one of -eq -ne -lt -le -gt -ge
#   skip "name" "reason"   a skipped test (counts as passed)
#   diag "text"            a diagnostic line ("# text") on stdout
#   bail "reason"          "Bail out!" and exit 1
#   done_testing           print the plan if none was given; returns 1 if
#                          any test failed
#   guest_tap FILE PREFIX [LOG]  turn a guest's "ok - x" / "not ok - x" lines
#                          into results named "PREFIX: x" (a failure shows
#                          the last lines of LOG); no FILE is one failure
#   tap_merge NAME CMD...  run CMD (which prints TAP), renumber its results
#                          into this stream; a CMD that exits non-zero
#                          without a "not ok" adds one failure
#
# Counters: TAP_N (tests so far), TAP_FAILED.

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=0

plan() {
	TAP_PLANNED=1
	echo "1..$1"
}

diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	[ $# -ge 2 ] && [ -n "$2" ] && diag "$2"
	return 0
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

check() {
	local name=$1 output rc
	shift
	output=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "command failed (exit $rc): $*
$output"
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'
want: '$2'"
	fi
}

isnt() {
	if [ "$1" != "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got '$1', which it must not be"
	fi
}

like() {
	if [[ $1 =~ $2 ]]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'
want match: /$2/"
	fi
}

cmp_num() {
	if [[ $1 =~ ^-?[0-9]+$ ]] && [[ $3 =~ ^-?[0-9]+$ ]] && [ "$1" "$2" "$3" ]; then
		ok "$4"
	else
		not_ok "$4" "want $1 $2 $3"
	fi
}

bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	[ "$TAP_PLANNED" = 1 ] || echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# Renumber one TAP stream into ours.  Plans are dropped, results get our
# numbers and "NAME: " in front of their description, anything else becomes
# a diagnostic.
tap_merge() {
	local name=$1 line rc desc nfail=0 tmp
	shift
	tmp=$(mktemp)
	"$@" >"$tmp" 2>&1 && rc=0 || rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok([[:space:]]+[0-9]+)?([[:space:]]*-?[[:space:]]*(.*))?$ ]]; then
			desc=${BASH_REMATCH[4]}
			if [ -n "${BASH_REMATCH[1]}" ]; then
				nfail=$((nfail + 1))
				not_ok "$name: $desc"
			else
				TAP_N=$((TAP_N + 1))
				echo "ok $TAP_N - $name: $desc"
			fi
		elif [[ $line =~ ^[[:space:]]*1\.\.[0-9]+ ]]; then
			:
		elif [[ $line =~ ^Bail\ out! ]]; then
			nfail=$((nfail + 1))
			not_ok "$name: $line"
		elif [[ $line =~ ^# ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done <"$tmp"
	rm -f "$tmp"
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		not_ok "$name: exited $rc without reporting a failure"
	fi
	return 0
}

guest_tap() {
	local file=$1 prefix=$2 log=${3:-} line
	if [ ! -f "$file" ]; then
		not_ok "$prefix: the guest reported results" "no $file"
		return 0
	fi
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$prefix: ${line#ok - }" ;;
		"not ok - "*) not_ok "$prefix: ${line#not ok - }" \
			"$( [ -n "$log" ] && tail -n 20 "$log" 2>/dev/null)" ;;
		esac
	done <"$file"
}
