#!/bin/sh
# Installs what `make bench` needs besides Go, from Debian's packages:
# numpy for the system Python (/usr/bin/python3, not a pyenv or venv one)
# and GNU time (/usr/bin/time -v, to check memory figures by hand).
set -e
missing=""
/usr/bin/python3 -c 'import numpy' 2>/dev/null || missing="$missing python3-numpy"
[ -x /usr/bin/time ] || missing="$missing time"
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "bench/setup.sh: installing$missing"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
