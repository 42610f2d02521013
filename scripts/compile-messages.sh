#!/usr/bin/env bash
# Compiles the translation catalogues (.po -> .mo) so that a fresh clone serves every language.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v msgfmt >/dev/null 2>&1; then
  scripts/ensure-system-deps.sh
fi
find src/asilo -name '*.po' -path '*/locale/*' | while read -r po; do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    msgfmt --check-format -o "$mo" "$po"
  fi
done
