#!/bin/sh
# lint.sh - `make lint`, part of `make check`: the banned calls, cppcheck
# and clang-tidy over the C sources.  Every tool runs with a checked-in
# configuration (mk/banned.txt, mk/cppcheck.supp, .clang-tidy); any finding
# fails the run.  A suppression lives in one of those files with its reason.
#
#   sh mk/lint.sh          everything
#   LINT_FILES="a.c b.c"   only these files (cppcheck and clang-tidy)
set -eu
cd "$(dirname "$0")/.."

SRC_DIRS="cgi db lib repl sender"
all=""
for d in $SRC_DIRS; do all="$all $(echo $d/*.c)"; done
files=${LINT_FILES:-$all}
fail=0

# 1. Banned calls (STYLE.md): each line of mk/banned.txt is an extended
# regular expression and its reason.  Tests and benchmarks are held to
# the same rule.  Comment lines (starting with /*, * or //) are prose
# ("the handle a callback gets (...)"), not calls: they are passed over.
while IFS='	' read -r re why; do
	case $re in ''|'#'*) continue ;; esac
	hits=$(grep -nE "$re" cgi/*.[ch] db/*.[ch] lib/*.[ch] repl/*.[ch] \
	    sender/*.[ch] bench/*.c tests/unit/*.[ch] tests/fuzz/*.c 2>/dev/null |
	    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*|//)' || true)
	if [ -n "$hits" ]; then
		echo "lint: banned ($why):"
		echo "$hits" | sed 's/^/  /'
		fail=1
	fi
done < mk/banned.txt

# 2. cppcheck: warnings, style, portability, performance.
if ! cppcheck -q --std=c11 --enable=warning,style,portability,performance \
    --inline-suppr --suppressions-list=mk/cppcheck.supp \
    --error-exitcode=1 -j2 -I. -D_GNU_SOURCE $files; then
	echo "lint: cppcheck found the above"
	fail=1
fi

# 3. clang-tidy with .clang-tidy (bugprone-*, cert-*, clang-analyzer-*),
# two files at a time.  WarningsAsErrors there makes any finding fail.
flags="-std=gnu11 -D_GNU_SOURCE -I. $(pkg-config --cflags json-c libcurl libcrypto fcgi)"
export flags
if ! printf '%s\n' $files | xargs -P2 -n6 sh -c \
    'clang-tidy --quiet "$@" -- $flags 2>/dev/null' lint; then
	echo "lint: clang-tidy found the above"
	fail=1
fi

[ $fail -eq 0 ] && echo "lint: clean (banned calls, cppcheck, clang-tidy)"
exit $fail
