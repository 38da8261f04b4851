#!/usr/bin/env bash
# prepack / postpack of the kvcanary npm package: put inside it what lives elsewhere in the workspace.
# - page/: the comparison page (panel-plugin/dist-standalone), which `kvcanary serve` shows at /;
# - node_modules/@kvcanary/contract: the private contract workspace, shipped as a bundled dependency.
#   npm pack -w leaves workspace siblings out of bundleDependencies (npm/cli#3466), so it is packed
#   here with the contract's own `files` and unpacked where npm pack looks for bundled packages.
set -euo pipefail
cd "$(dirname "$0")/.."

clean() {
  rm -rf page node_modules/@kvcanary/contract
  rmdir node_modules/@kvcanary node_modules 2>/dev/null || true
}

case "${1:-}" in
  prepack)
    for built in dist/cli/main.js ../contract/dist/index.js ../panel-plugin/dist-standalone/index.html; do
      [ -e "$built" ] || { echo "npm pack: $built is missing; run npm run build first" >&2; exit 1; }
    done
    clean
    cp -R ../panel-plugin/dist-standalone page
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # The outer npm's dry-run and destination must not reach this inner pack.
    (cd ../contract && env -u npm_config_dry_run -u npm_config_pack_destination npm pack --silent --pack-destination "$tmp" >/dev/null)
    mkdir -p node_modules/@kvcanary/contract
    tar -xzf "$tmp"/*.tgz -C node_modules/@kvcanary/contract --strip-components=1
    ;;
  postpack)
    clean
    ;;
  *)
    echo "usage: pack-bundle.sh prepack|postpack" >&2
    exit 2
    ;;
esac
