#!/usr/bin/env bash
# Installs groundtrace (scripts/setup.sh), starts the DEMO translator — the real vLLM (its CPU
# build, .venv-vllm) serving SmolLM2-135M-Instruct (a 135M-parameter model: demo quality
# only) — and opens JupyterLab on the demo notebook, with the Dataset Generator pointed at
# the bundled toy data and the translator.
#   bash scripts/demo.sh                 # opens a browser when there is a display
#   bash scripts/demo.sh --no-browser    # headless: serve only (or GROUNDTRACE_HEADLESS=1)
#   PORT=9999 bash scripts/demo.sh       # another port (default 8888)
#   GROUNDTRACE_TRANSLATOR_URL=http://gpu-node:8000/v1 GROUNDTRACE_TRANSLATOR_MODEL=Qwen/Qwen3-32B bash scripts/demo.sh
#                                        # use a GPU vLLM server instead of the demo translator
# Any other arguments are passed to `jupyter lab`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh
export PATH="$ROOT/.venv/bin:$PATH"

translator_pid=
demo_translator=
# vllm-server.sh execs the server, so its pid is the server's; the engine processes it
# starts end with it.
cleanup() { [ -n "$translator_pid" ] && kill "$translator_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${GROUNDTRACE_TRANSLATOR_URL:-}" ]; then
  port=${TRANSLATOR_PORT:-8011}
  echo "==> Starting the DEMO translator: vLLM (CPU) with SmolLM2-135M-Instruct on 127.0.0.1:$port (about 80 s)"
  mkdir -p .cache
  bash scripts/vllm-server.sh --port "$port" > .cache/demo-translator.log 2>&1 &
  translator_pid=$!
  started=$SECONDS
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
    kill -0 "$translator_pid" 2>/dev/null || break
    [ $((SECONDS - started)) -gt 900 ] && break
    sleep 1
  done
  if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    echo "==> The demo translator is up after $((SECONDS - started)) s"
    export GROUNDTRACE_TRANSLATOR_URL="http://127.0.0.1:$port/v1"
    export GROUNDTRACE_TRANSLATOR_MODEL=smollm2-135m-instruct-demo
    demo_translator=1
  else
    tail -20 .cache/demo-translator.log >&2
    echo "The demo translator did not start (see .cache/demo-translator.log); tracing works, translating will not." >&2
  fi
fi

# Demo defaults for the Dataset Generator (this .venv only): the bundled toy data. With the demo
# translator, narrations stop at DEMO_MAX_TOKENS (the paper's 16384 suits a 32B model that thinks
# at length; the 135M model on a CPU, about 5 tokens/s a request, can ramble on to it for half an
# hour) in the panel's jobs and in the viewer's Translate (its other sampling stays the paper's).
mkdir -p .venv/share/jupyter/lab/settings
python - "${GROUNDTRACE_TRANSLATOR_URL:-}" "${GROUNDTRACE_TRANSLATOR_MODEL:-}" "$demo_translator" <<'PY'
import json, sys
url, model, demo_translator = sys.argv[1:4]
DEMO_MAX_TOKENS = 512
defaults = {'input': 'data/pyedu_toy.jsonl', 'output': 'runs/demo', 'limit': 20}  # small first: Try 5, then raise it
# No "official Jupyter news?" prompt over the demo (it would ask a website, which a demo need not).
overrides = {'groundtrace:generator': defaults,
             '@jupyterlab/apputils-extension:notification': {'fetchNews': 'false', 'checkForUpdates': False}}
if url:
    defaults.update(translatorUrl=url, model=model)
if demo_translator:
    defaults['maxTokens'] = DEMO_MAX_TOKENS
    with open('schema/trace-viewer.json') as f:
        sampling = json.load(f)['properties']['sampling']['default']
    overrides['groundtrace:trace-viewer'] = {'sampling': dict(sampling, max_tokens=DEMO_MAX_TOKENS)}
with open('.venv/share/jupyter/lab/settings/overrides.json', 'w') as f:
    json.dump(overrides, f, indent=2)
PY

args=(--ServerApp.port="${PORT:-8888}")
if [ "${GROUNDTRACE_HEADLESS:-}" = 1 ] || { [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ]; }; then
  args+=(--no-browser)
fi
if [ "$(id -u)" -eq 0 ]; then
  args+=(--ServerApp.allow_root=True)
fi
echo "Starting JupyterLab with the groundtrace demo (Ctrl-C to stop)…"
jupyter lab --ServerApp.root_dir="$ROOT" demo/demo.ipynb "${args[@]}" "$@"
