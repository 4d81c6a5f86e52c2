#!/usr/bin/env bash
# run-unit.sh DIR - run every Check test binary under DIR (DIR/<component>/
# test_*) as one TAP stream.
#
# Each binary runs with CK_TAP_LOG_FILE_NAME=- so Check prints TAP on
# stdout; the results are renumbered into one stream (tests/lib.sh
# tap_merge), other output becomes "# " diagnostics.  A binary that exits
# non-zero without a "not ok" (a crash, a sanitizer abort outside a test)
# counts as one failure.  Exit 1 if anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/lib.sh
. "$ROOT/tests/lib.sh"

dir=${1:?usage: run-unit.sh DIR}
[ -d "$dir" ] || bail "no test dir $dir"

found=0
while IFS= read -r t; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	found=1
	tap_merge "${t#"$dir"/}" env CK_TAP_LOG_FILE_NAME=- "$t"
done < <(find "$dir" -type f -name 'test_*' | sort)
[ "$found" = 1 ] || diag "no unit tests in $dir"
done_testing
