# lib_browser.bash — render an HTML file in a real headless browser (Debian's
# chromium-headless-shell, or chromium), for scenarios that check what a person would
# see. Sourced, not run by prove (hence .bash).
#
#   render_dom FILE DOM_OUT CONSOLE_OUT   → the DOM after parsing and layout in DOM_OUT,
#                                           the page's console messages in CONSOLE_OUT;
#                                           status: the browser's.
browser_bin() {
	local b
	for b in chromium-headless-shell chromium; do
		command -v "$b" >/dev/null && { echo "$b"; return 0; }
	done
	return 1
}

render_dom() {
	local file=$1 dom=$2 console=$3 bin profile rc
	bin=$(browser_bin) || { echo "no headless browser (scripts/install_deps.sh installs chromium-headless-shell)" >"$console"; return 127; }
	profile=$(mktemp -d)
	# --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
	# A private profile: parallel scenarios must not share one.
	timeout 60 "$bin" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
		--enable-logging=stderr --v=0 --dump-dom "file://$(realpath "$file")" >"$dom" 2>"$profile/stderr"
	rc=$?
	# The page's own messages (script errors, Content-Security-Policy violations).
	grep -F ':CONSOLE' "$profile/stderr" >"$console"
	rm -rf "$profile"
	return $rc
}
