# shellcheck shell=bash
# Installs whatever this machine is missing to build and test Patchbay, and nothing that is
# already there. Sourced by .ci/app and .ci/test; see docs/toolchain.md for why each
# version is pinned.

CARGO_LEPTOS_VERSION=0.3.10 # 0.3.11 needs rustc >= 1.96
export PATH="$HOME/.cargo/bin:$PATH"

wasm_bindgen_version() {
  grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p'
}

ensure_rust_tools() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    echo "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 16 minutes, once)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
  local wbg
  wbg=$(wasm_bindgen_version)
  if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wbg"; then
    echo "installing wasm-bindgen-cli $wbg (about 3 minutes, once)"
    # Not --locked: its lock file pins a webpki-roots this registry mirror lacks.
    cargo install wasm-bindgen-cli --version "=$wbg"
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian's chromium for Playwright"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
}

ensure_node_packages() {
  # Tailwind 4.3.3, wasm-opt from npm binaryen (Debian's breaks the wasm), simple-icons.
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  node .ci/build-logos.mjs
}

ensure_playwright() {
  if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
