#!/usr/bin/env bash
# Installs groundtrace (scripts/setup.sh) and opens JupyterLab on the demo notebook.
#   bash scripts/demo.sh                 # opens a browser when there is a display
#   bash scripts/demo.sh --no-browser    # headless: serve only (or GROUNDTRACE_HEADLESS=1)
#   PORT=9999 bash scripts/demo.sh       # another port (default 8888)
# Any other arguments are passed to `jupyter lab`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

args=(--ServerApp.port="${PORT:-8888}")
if [ "${GROUNDTRACE_HEADLESS:-}" = 1 ] || { [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ]; }; then
  args+=(--no-browser)
fi
if [ "$(id -u)" -eq 0 ]; then
  args+=(--ServerApp.allow_root=True)
fi
echo "Starting JupyterLab with the groundtrace demo (Ctrl-C to stop)…"
exec jupyter lab --ServerApp.root_dir="$PWD" demo/demo.ipynb "${args[@]}" "$@"
