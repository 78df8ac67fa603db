#!/bin/sh
# The manual pages against the programs they describe: groff formats both
# without a warning, every long option that a --help text names appears in
# the page (and every option of the daemon's page is one the daemon has),
# and every command of sgx-quote has an entry. A page with a flag taken
# out, or an undefined macro, must fail the same checks.
# usage: man_pages.sh BUILD_DIR SOURCE_DIR TESTDATA_DIR
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
cli=$bin/sgx-quote
page8=$src/man/sgx-quote-helper.8
page1=$src/man/sgx-quote.1

if ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: groff not installed"
	exit 77
fi

# groff exits 0 on warnings: any message is a finding.
formats_quietly() {
	out=$(groff -man -ww -z -Tutf8 "$1" 2>&1) || return 1
	[ -z "$out" ] && return 0
	echo "$out"
	return 1
}

# The long options of a --help text's option table (an indented line
# that starts with the option), one a line.
help_flags() {
	"$@" --help 2>&1 | grep -E -- '^ +(-[a-zA-Z], )?--[a-z]' |
		sed 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/' |
		sort -u
}

# Every long option a --help text mentions, also in prose.
help_mentions() {
	"$@" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# The long options a page names: roff writes each '-' as '\-'.
page_flags() {
	sed 's/\\-/-/g' "$1" | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# missing_from PAGE FLAGS_FILE: the flags of the file the page lacks.
missing_from() {
	page_flags "$1" >"$tmp/page"
	comm -23 "$2" "$tmp/page"
}

# one_line TEXT: its lines joined with spaces, for a message.
one_line() {
	printf '%s\n' "$1" | paste -s -d ' ' -
}

check_daemon_page() {
	help_flags "$daemon" >"$tmp/daemon"
	[ -s "$tmp/daemon" ] || fail "sgx-quote-helper --help names no option"
	lacking=$(missing_from "$1" "$tmp/daemon")
	[ -z "$lacking" ] || fail "$1 lacks $(one_line "$lacking")"
	help_mentions "$daemon" >"$tmp/mentions"
	extra=$(page_flags "$1" | comm -23 - "$tmp/mentions")
	[ -z "$extra" ] || fail "$1 names unknown $(one_line "$extra")"
}

check_cli_page() {
	commands=$("$cli" --help 2>&1 | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
	[ -n "$commands" ] || fail "sgx-quote --help names no command"
	for c in $commands; do
		grep -q "^\.B $(echo "$c" | sed 's/-/\\\\-/g')\( \|$\)" "$1" ||
			fail "$1 has no entry for the command $c"
		help_flags "$cli" "$c" | grep -vx -- '--help' >"$tmp/cmd" || true
		lacking=$(missing_from "$1" "$tmp/cmd")
		[ -z "$lacking" ] || fail "$1 lacks $c $(one_line "$lacking")"
	done
}

formats_quietly "$page8" || fail "groff warns about $page8"
formats_quietly "$page1" || fail "groff warns about $page1"
check_daemon_page "$page8"
check_cli_page "$page1"

# Negative: the checks notice a removed flag, an unknown flag and a
# misspelt macro.
sed 's/\\-\\-metrics\\-listen/\\-\\-metrics/g' "$page8" >"$tmp/bad.8"
if (check_daemon_page "$tmp/bad.8") 2>/dev/null; then
	fail "a page without --metrics-listen passed"
fi
sed 's/\\-\\-report\\-key/\\-\\-key/g' "$page1" >"$tmp/bad.1"
if (check_cli_page "$tmp/bad.1") 2>/dev/null; then
	fail "a page without --report-key passed"
fi
sed 's/^\.TP$/.TPX/' "$page1" >"$tmp/bad-macro.1"
if formats_quietly "$tmp/bad-macro.1" >/dev/null; then
	fail "groff did not warn about an undefined macro"
fi
echo "man pages: format cleanly, name every option and command"
