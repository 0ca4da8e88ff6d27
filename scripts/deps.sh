#!/usr/bin/env bash
# deps.sh GROUP...: installs, with apt-get, the Debian packages that a group
# of targets needs and the machine lacks, then the npm packages; it does
# nothing for what is there, and so needs no network then.
#
#   test    what make test runs besides Go: python3 with numpy and a C
#           compiler, for the example kernels in other languages (examples/);
#           Node.js with DuckDB (the npm package @duckdb/node-api, at the
#           version scripts/duckdb/package.json pins, installed into
#           scripts/duckdb/node_modules, which git ignores), with which
#           report's TestParquetDuckDB reads results.parquet; Chromium,
#           in which engine's TestReportHTMLInChromium renders a run's
#           report.html headless
#   bench   the peers make bench compares simrun with: joblib, GNU parallel,
#           pandas
#
# It needs root (as in CI) to install Debian packages; otherwise it says
# what is missing and exits 1. npm needs no root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# duckdb_installed reports whether scripts/duckdb/node_modules holds the
# version of @duckdb/node-api that scripts/duckdb/package.json pins.
duckdb_installed() {
  local dir=$root/scripts/duckdb want have
  command -v node >/dev/null || return 1
  want=$(cd "$dir" && node -p 'require("./package.json").dependencies["@duckdb/node-api"]')
  # Loading the package loads its native library, which another platform's
  # install lacks.
  have=$(cd "$dir" && node -p 'require("@duckdb/node-api"); require("@duckdb/node-api/package.json").version' 2>/dev/null) || return 1
  [ "$want" = "$have" ]
}

need=()
npm_dirs=()
for group in "$@"; do
  case "$group" in
    test)
      # Debian's python3, which the tests put first on PATH when the python3
      # on PATH lacks numpy.
      /usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3 python3-numpy)
      command -v cc >/dev/null || need+=(gcc libc6-dev)
      command -v awk >/dev/null || need+=(mawk)
      command -v node >/dev/null || need+=(nodejs)
      command -v npm >/dev/null || need+=(npm)
      duckdb_installed || npm_dirs+=("$root/scripts/duckdb")
      command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
        command -v google-chrome >/dev/null || need+=(chromium)
      # The font the figures are laid out in, which their SVGs name first:
      # without it a browser draws their text in a wider one.
      fc-list 2>/dev/null | grep -q LiberationSerif || need+=(fonts-liberation)
      ;;
    bench)
      /usr/bin/python3 -c 'import joblib' 2>/dev/null || need+=(python3 python3-joblib)
      /usr/bin/python3 -c 'import pandas' 2>/dev/null || need+=(python3 python3-pandas)
      command -v parallel >/dev/null || need+=(parallel)
      ;;
    *)
      echo "deps.sh: unknown group $group (want test or bench)" >&2
      exit 2
      ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing Debian packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "deps.sh: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The exact versions of package.json, without a lock file (it would name the
# registry's address); the packages @duckdb/node-api depends on are pinned
# exactly by its own package.json.
for dir in "${npm_dirs[@]}"; do
  echo "deps.sh: installing the npm packages of ${dir#"$root"/}/package.json"
  npm install --prefix "$dir" --no-package-lock --no-save --no-audit --no-fund --loglevel=error >/dev/null
done
