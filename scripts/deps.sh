#!/usr/bin/env bash
# deps.sh GROUP...: installs, with apt-get, the Debian packages that a group
# of targets needs and the machine lacks; it does nothing for what is there.
#
#   test    what make test runs besides Go: python3 with numpy and a C
#           compiler, for the example kernels in other languages (examples/)
#   bench   the peers make bench compares simrun with: joblib, GNU parallel
#
# It needs root (as in CI) to install; otherwise it says what is missing
# and exits 1.
set -euo pipefail

need=()
for group in "$@"; do
  case "$group" in
    test)
      # Debian's python3, which the tests put first on PATH when the python3
      # on PATH lacks numpy.
      /usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3 python3-numpy)
      command -v cc >/dev/null || need+=(gcc libc6-dev)
      command -v awk >/dev/null || need+=(mawk)
      ;;
    bench)
      /usr/bin/python3 -c 'import joblib' 2>/dev/null || need+=(python3 python3-joblib)
      command -v parallel >/dev/null || need+=(parallel)
      ;;
    *)
      echo "deps.sh: unknown group $group (want test or bench)" >&2
      exit 2
      ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing Debian packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
