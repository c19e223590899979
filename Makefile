# Makefile — PGXS build of the tributary extension, and the entry points that drive
# everything else (the loader and tests are built with CMake from here).
#
#   make            build the extension (tributary.so) and the loader
#   make install    install both, and the man page (needs root: PostgreSQL's extension directory)
#   make test       install missing packages, build, install, start throwaway servers,
#                   run every suite, stop the servers
#   make test-faults  the whole fault and bad-input suite (test/faults), with its summary
#   make demo       a sample migration end to end on throwaway servers
#   make bench      side-by-side benchmarks against the anchors (not part of test)
#   make installcheck  pg_regress against a running server (PGHOST/PGPORT)

EXTENSION = tributary
MODULE_big = tributary
DATA = $(wildcard fdw/sql/tributary--*.sql)

PG_SOURCES = $(wildcard fdw/pg/*.cpp)
TDS_SOURCES ?= $(wildcard fdw/tds/*.cpp)
DRIVER_SOURCES = $(wildcard fdw/remote/*.cpp) $(wildcard fdw/mysql/*.cpp) $(TDS_SOURCES)
OBJS = $(PG_SOURCES:.cpp=.o) $(DRIVER_SOURCES:.cpp=.o)

# pg_regress: the suite in sql/ + expected/, in this order.
REGRESS = boundary mysql_options mysql_deparse mysql_scan mysql_import mysql_security mysql_snapshot \
	mysql_analyze mssql_options mssql_deparse mssql_scan mssql_import mssql_types mssql_security \
	mssql_snapshot
REGRESS_OPTS = --inputdir=. --load-extension=tributary

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
override with_llvm = no
# Track header dependencies (.deps/), so a changed header rebuilds what includes it.
override autodepend = yes

PG_CPPFLAGS = -I$(CURDIR) $(shell pkg-config --cflags libmariadb)
PG_CXXFLAGS = -std=c++17 -fPIC -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-Wno-unused-parameter -Wno-cast-function-type -Wno-register
SHLIB_LINK = -lstdc++ -lmariadb -lsybdb -lpthread

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

BUILD_DIR ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps loader install-loader install-man test test-faults demo bench check-regress-list
all: loader
install: install-loader install-man

deps:
	@scripts/install_deps.sh

loader:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j$$(nproc)

install-loader: loader
	cmake --install $(BUILD_DIR) --prefix /usr/local >/dev/null

# man tributary: generated from the built loader's --help (scripts/gen_man.sh).
install-man: loader
	scripts/gen_man.sh $(BUILD_DIR)/tributary $(BUILD_DIR)/tributary.1
	install -D -m 644 $(BUILD_DIR)/tributary.1 /usr/local/share/man/man1/tributary.1

# Every sql/*.sql file must be listed in REGRESS.
check-regress-list:
	@for f in sql/*.sql; do t=$$(basename $$f .sql); \
		case " $(REGRESS) " in *" $$t "*) ;; *) echo "sql/$$t.sql is not listed in REGRESS" >&2; exit 1;; esac; done

test: deps
	$(MAKE) all
	$(MAKE) install
	test/run_all.sh

test-faults: deps
	$(MAKE) all
	$(MAKE) install
	test/faults/run_faults.sh

demo: deps
	$(MAKE) all
	$(MAKE) install
	demo/run_demo.sh

bench: deps
	scripts/install_deps.sh --bench
	$(MAKE) all
	$(MAKE) install
	bench/run_bench.sh
