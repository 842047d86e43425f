#!/usr/bin/env bash
# DragVideo Studio end-to-end tests: builds the app, installs playwright-core (no browser download: Debian's chromium
# at /usr/bin/chromium is used), runs the tests with node's built-in runner. Exits non-zero on any failure.
# Needs: dotnet, node/npm, ffmpeg, chromium (apt-get install -y chromium ffmpeg; opencv-doc for the textured clip).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
config="${STUDIO_CONFIGURATION:-Release}"

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "error: Chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium} (apt-get install -y chromium)." >&2
  exit 1
fi
command -v ffmpeg >/dev/null || { echo "error: ffmpeg not found (apt-get install -y ffmpeg)." >&2; exit 1; }

dotnet build "$root/samples/DragVideo.Studio/DragVideo.Studio.csproj" -c "$config" --nologo -v quiet
export STUDIO_DLL="$root/samples/DragVideo.Studio/bin/$config/net10.0/DragVideo.Studio.dll"

cd "$here"
# playwright-core must not fetch a browser; it never does on install, but say so explicitly.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --prefer-offline
node --test --test-concurrency=1 --test-reporter=spec tests/
