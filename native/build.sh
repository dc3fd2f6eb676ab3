#!/usr/bin/env bash
# Builds the C reference library into the module's classes so that it ships inside the jar.
# Usage: build.sh <source dir> <output dir>. Without gcc it says so and succeeds: the Java side
# then reports the library as unavailable and the comparison benchmarks are skipped.
set -euo pipefail
src=$1
out=$2
platform="$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed 's/amd64/x86_64/')"
dest="$out/dev/vela/nativeref/$platform"
mkdir -p "$dest"
rm -f "$dest/libvelaref.so" "$dest/libvelaref.so.sha256" "$dest/vectorization.txt"
CC=${CC:-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "[vela-native] $CC not found: the C reference library is not built; C comparisons will be skipped"
  echo "$CC not found when vela-native was built" > "$dest/UNAVAILABLE"
  exit 0
fi
rm -f "$dest/UNAVAILABLE"
# -fno-math-errno lets gcc vectorise sqrtf (without it the C references are not a fair anchor);
# -ffast-math is deliberately absent: it would change the arithmetic.
FLAGS="-O3 -march=native -fno-math-errno -fopenmp -fPIC -shared -std=c11 -Wall -Wextra"
LIBS="-lm"
"$CC" $FLAGS -fopt-info-vec-optimized="$dest/vectorization.txt" -o "$dest/libvelaref.so" "$src"/*.c $LIBS
(cd "$dest" && sha256sum libvelaref.so | cut -d' ' -f1 > libvelaref.so.sha256)
echo "$CC $FLAGS" > "$dest/build-flags.txt"
"$CC" --version | head -n 1 >> "$dest/build-flags.txt"
echo "[vela-native] built $dest/libvelaref.so ($(grep -c 'loop vectorized' "$dest/vectorization.txt") loops vectorised)"
