#!/usr/bin/env bash
# Fails when a low layer depends on the web: loupe-core, loupe-wire and loupe-charts must not pull web-sys,
# js-sys, wasm-bindgen, gloo-* or leptos*, so that they build, test and benchmark natively.
# loupe-core and loupe-wire are checked on both targets, through their whole dependency trees. loupe-charts is checked the same
# way natively; on wasm32 only its direct dependencies are checked, because plotters itself measures text
# through web-sys there (an implementation detail of plotters, not a dependency of our drawing code).
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden='^(web-sys|js-sys|wasm-bindgen[a-z-]*|gloo[a-z-]*|leptos[a-z_-]*) '
status=0
check() { # package, target, depth-args
  local found
  found=$(cargo tree --quiet -p "$1" --target "$2" -e normal,build --prefix none $3 | sed 's/ (\*)//' | sort -u | grep -E "$forbidden" || true)
  if [ -n "$found" ]; then
    echo "dependency direction violated: $1 ($2) depends on:"; echo "$found" | sed 's/^/  /'
    status=1
  fi
}
native=$(rustc -vV | sed -n 's/^host: //p')
check loupe-core "$native" ""
check loupe-core wasm32-unknown-unknown ""
check loupe-wire "$native" ""
check loupe-wire wasm32-unknown-unknown ""
check loupe-charts "$native" ""
check loupe-charts wasm32-unknown-unknown "--depth 1"
[ $status -eq 0 ] && echo "dependency direction: ok (loupe-core, loupe-wire, loupe-charts have no web dependencies)"
exit $status
