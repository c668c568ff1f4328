#!/usr/bin/env bash
# Installs the Debian 12 packages jacstab needs, skipping those already present.
# Usage: bash scripts/install-deps.sh [--bench]   (needs root, or sudo, for apt-get)
#   --bench  also the Python peers of the speed comparison (python3-numpy, python3-torch)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libarmadillo-dev libopenblas-dev
  libboost-math1.81-dev libboost-random1.81-dev
  libgtest-dev libbenchmark-dev
  gnuplot-nox dataset-fashion-mnist gzip
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3-numpy python3-torch) ;;
    *) echo "install-deps: unknown option '$arg' (expected --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
