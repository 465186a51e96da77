#!/usr/bin/env bash
# berth's HTML review page in headless Chromium (review.mjs): builds berth, drafts the
# polyglot fixture in a temp folder, approves it, changes the api's health route (two hunks
# and changed words) and removes the legacy placeholder (a finding), then renders
# `berth diff --output html` and checks the page. The last line is `review page: passed` or
# `review page: failed`.
#
# Environment (all optional):
#   BERTH_ARTIFACTS         where the page and the screenshot go (default $HOME/.cache/berth/artifacts)
#   CARGO_TARGET_DIR_BERTH  cargo target dir for berth (default $HOME/.cache/berth/target)
#   CHROMIUM                browser binary (default /usr/bin/chromium)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$HOME/.cache/berth"
artifacts="${BERTH_ARTIFACTS:-$cache/artifacts}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_BERTH:-$cache/target}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
work=$(mktemp -d)
result=failed
on_exit() {
  rm -rf "$work"
  echo "review page: $result"
}
trap on_exit EXIT

log() { printf '==> %s\n' "$*"; }

command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
[[ -x $CHROMIUM ]] || { echo "no browser at $CHROMIUM" >&2; exit 1; }
[[ -d $here/node_modules/playwright-core ]] ||
  (cd "$here" && npm ci --cache "$cache/npm" --prefer-offline --no-audit --no-fund)

log "berth: cargo build (target dir $CARGO_TARGET_DIR)"
cargo build -q -p berth --manifest-path "$root/Cargo.toml"
berth="$CARGO_TARGET_DIR/debug/berth"

log "the review page of the polyglot fixture, changed after an approval"
cp -r "$root/tests/fixtures/polyglot/." "$work/"
(
  cd "$work"
  "$berth" draft >/dev/null
  "$berth" approve --yes >/dev/null
  sed -i 's#"/healthz"#"/health"#' services/api/app/main.py
  rm services/legacy/Dockerfile
  "$berth" draft >/dev/null
  NO_COLOR=1 "$berth" diff --output html >"$work/review.html"
)
mkdir -p "$artifacts"
cp "$work/review.html" "$artifacts/review.html"

screenshot="$artifacts/browser-review.png"
rm -f "$screenshot"
PAGE="$artifacts/review.html" SCREENSHOT="$screenshot" node "$here/review.mjs"
[[ -s $screenshot ]] || { echo "no screenshot was saved at $screenshot" >&2; exit 1; }
log "screenshot: $screenshot"
result=passed
