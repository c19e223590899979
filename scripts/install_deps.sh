#!/usr/bin/env bash
# install_deps.sh — install the Debian 12 packages tributary needs to build, test and
# run its demo, only those missing, without questions.
#
# Versions are pinned to the ones tributary was tested with. When Debian's archive has
# moved on (a point release replaced a version), the pinned version cannot be fetched
# any more; the script then installs the archive's current version of that package and
# says so, rather than failing a fresh machine.
#
# Usage: scripts/install_deps.sh [--bench]   (--bench adds the anchors of bench/)
set -euo pipefail

pinned=(
	"postgresql-15=15.20-0+deb12u1"
	"postgresql-server-dev-15=15.20-0+deb12u1"
	"postgresql-15-pgtap=1.2.0-3"
	"libtap-parser-sourcehandler-pgtap-perl=3.36-2"
	"freetds-dev=1.3.17+ds-2"
	"freetds-bin=1.3.17+ds-2"
	"mariadb-server=1:10.11.19-0+deb12u1"
	"mariadb-client=1:10.11.19-0+deb12u1"
	"libmariadb-dev=1:10.11.19-0+deb12u1"
	"libpqxx-dev=6.4.5-2"
	"libgtest-dev=1.12.1-0.2"
	"libgmock-dev=1.12.1-0.2"
	"libsqlite3-dev=3.40.1-2+deb12u2"
	"libcli11-dev=2.1.2+ds-1"
	"libfmt-dev=9.1.0+ds1-2"
	"nlohmann-json3-dev=3.11.2-2"
	"cmake=3.25.1-1"
	"g++=4:12.2.0-3"
	"make=4.3-4.1"
	"pkg-config=1.8.1-1"
	"help2man=1.49.3"
	"man-db=2.11.2-2"
	"perl"
	"procps"
	"iproute2"
)
# Test tools only (never needed to build or run tributary): a headless browser that
# renders `tributary report` pages, and promtool (in Debian's prometheus package) that
# checks the `run --metrics-file` output (test/integration/metrics_report.sh).
test_tools=(
	"chromium-headless-shell=156.0.8078.79-1~deb12u1"
	"prometheus=2.42.0+ds-5+deb12u1"
)
pinned+=("${test_tools[@]}")
bench=(
	"postgresql-15-mysql-fdw=2.8.0-4"
	"postgresql-15-tds-fdw=2.0.3-1+b1"
	"pgloader=3.6.9-1"
	"time"
)
[ "${1:-}" = "--bench" ] && pinned+=("${bench[@]}")

missing=()
for spec in "${pinned[@]}"; do
	pkg=${spec%%=*}
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$spec")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install_deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "install_deps: installing ${missing[*]}"
$sudo apt-get update -qq
# Policy-rc.d keeps Debian's maintainer scripts from starting system-wide PostgreSQL and
# MariaDB services: the tests start their own throwaway servers.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod +x "$policy"
	made_policy=1
fi
install_list=()
for spec in "${missing[@]}"; do
	pkg=${spec%%=*}
	if [ "$spec" != "$pkg" ] && ! apt-cache madison "$pkg" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "${spec#*=}"; then
		echo "install_deps: $spec is no longer in the archive; installing the current $pkg" >&2
		spec=$pkg
	fi
	install_list+=("$spec")
done
$sudo apt-get install -y -q --no-install-recommends "${install_list[@]}"
[ -n "$made_policy" ] && $sudo rm -f "$policy"
exit 0
