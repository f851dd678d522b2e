#!/usr/bin/env bash
# Makes the AzCopy binary shipped in the @azure-tools/azcopy-linux npm package runnable: npm installs it
# without the exec bit, and it links against libsecret-1.so.0 (Debian package libsecret-1-0).
# Idempotent; prints what it did. Tests that need AzCopy skip with a reason when this was not run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64
if [ ! -f "$bin" ]; then
  echo "azcopy-setup: $bin not found; run npm ci first (devDependency @azure-tools/azcopy-linux)." >&2
  exit 0
fi
[ -x "$bin" ] || { chmod +x "$bin"; echo "azcopy-setup: made $bin executable"; }
if ! ldconfig -p | grep -q 'libsecret-1.so.0'; then
  echo "azcopy-setup: installing libsecret-1-0"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libsecret-1-0 >/dev/null
fi
"$bin" --version
