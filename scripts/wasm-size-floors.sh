#!/usr/bin/env bash
# How small the app's release wasm could get without removing features: builds it as shipped and with the
# size levers the project does not ship, and prints each gzip size (measurement only; not part of make test).
#   shipped   the wasm-release profile as Trunk builds it (data path at opt-level 3)
#   allz      loupe-core and loupe-wire at opt-level "z" too (breaks issue 4's speed rule)
#   bstd      std rebuilt with panic=immediate-abort (nightly flags through RUSTC_BOOTSTRAP=1; needs the
#             rust-src component)
#   floor     both
# Usage: scripts/wasm-size-floors.sh [VARIANT...]; CARGO_TARGET_DIR is honoured (default target/size-floors).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
target=${CARGO_TARGET_DIR:-target/size-floors}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
z=(--config 'profile.wasm-release.package.loupe-core.opt-level="z"'
   --config 'profile.wasm-release.package.loupe-wire.opt-level="z"')
bstd=(-Zbuild-std=std,panic_abort)
flags="--cfg erase_components -C target-feature=+simd128"

build() { # name, extra rustflags, cargo args...
  local name=$1 rustflags=$2; shift 2
  local bootstrap=0
  [[ $rustflags == *-Z* ]] && bootstrap=1 # only the nightly variants need it
  RUSTFLAGS="$flags $rustflags" RUSTC_BOOTSTRAP=$bootstrap CARGO_TARGET_DIR="$target/$name" \
    cargo build -q --profile wasm-release --target wasm32-unknown-unknown --bin loupe-web "$@"
  wasm-bindgen --target web --out-dir "$out/$name" \
    "$target/$name/wasm32-unknown-unknown/wasm-release/loupe-web.wasm"
  # The same wasm-opt passes as index.html asks Trunk for.
  wasm-opt -Os --low-memory-unused --reorder-functions-by-name "$out/$name/loupe-web_bg.wasm" \
    -o "$out/$name/final.wasm"
  node -e 'const b=require("fs").readFileSync(process.argv[1]);
    console.log(process.argv[2].padEnd(8), "raw", (b.length/1000).toFixed(1), "KB  gzip",
      (require("zlib").gzipSync(b,{level:9}).length/1000).toFixed(1), "KB")' "$out/$name/final.wasm" "$name"
}

for variant in "${@:-shipped allz bstd floor}"; do
  for v in $variant; do
    case $v in
      shipped) build shipped "" ;;
      allz) build allz "" "${z[@]}" ;;
      bstd) build bstd "-Zunstable-options -Cpanic=immediate-abort" "${bstd[@]}" ;;
      floor) build floor "-Zunstable-options -Cpanic=immediate-abort" "${bstd[@]}" "${z[@]}" ;;
      *) echo "unknown variant $v (shipped, allz, bstd, floor)" >&2; exit 2 ;;
    esac
  done
done
