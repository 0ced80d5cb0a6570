#!/usr/bin/env bash
# Installs everything (scripts/setup.sh) and runs every test: pytest, jest, a
# packaging check and the Galata UI tests in Debian's chromium.
# Exits non-zero when any of them fails; prints each runner's summary.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$SECONDS

GROUNDTRACE_UI_TESTS=1 bash scripts/setup.sh || { echo "setup failed" >&2; exit 1; }
export PATH="$ROOT/.venv/bin:$PATH"

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "==> Installing Debian's chromium for the UI tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
    || { echo "could not install chromium" >&2; exit 1; }
fi

failed=()
passed=0

# One real vLLM (CPU build, the demo model) for the whole run: pytest's real-server tests and
# the Galata Translate spec share it. It starts now and comes up while lint and jest run.
VLLM_PORT=${GROUNDTRACE_TEST_VLLM_PORT:-8896}
vllm_pid=
stop_vllm() { [ -n "$vllm_pid" ] && kill "$vllm_pid" 2>/dev/null && wait "$vllm_pid" 2>/dev/null; vllm_pid=; }
trap stop_vllm EXIT
if [ -x .venv-vllm/bin/python ] && [ -z "${GROUNDTRACE_TEST_VLLM_PORT:-}" ]; then
  echo "==> Starting the real vLLM for the tests on 127.0.0.1:$VLLM_PORT (log: .cache/test-vllm.log)"
  mkdir -p .cache
  bash scripts/vllm-server.sh --port "$VLLM_PORT" > .cache/test-vllm.log 2>&1 &
  vllm_pid=$!
fi
vllm_healthy() { curl -sf "http://127.0.0.1:$VLLM_PORT/health" >/dev/null 2>&1; }
# Waits for it (up to 15 min on a starved CPU); exports the port so pytest's fixture uses it.
wait_for_vllm() {
  [ -n "$vllm_pid" ] || [ -n "${GROUNDTRACE_TEST_VLLM_PORT:-}" ] || return 0
  local t0=$SECONDS
  until vllm_healthy; do
    if [ -n "$vllm_pid" ] && ! kill -0 "$vllm_pid" 2>/dev/null; then
      echo "the tests' vLLM exited before it was healthy:" >&2; tail -20 .cache/test-vllm.log >&2; return 1
    fi
    [ $((SECONDS - t0)) -gt 900 ] && { echo "the tests' vLLM was not healthy after 900 s" >&2; return 1; }
    sleep 2
  done
  echo "==> vLLM healthy on port $VLLM_PORT (waited $((SECONDS - t0)) s here)"
  export GROUNDTRACE_TEST_VLLM_PORT=$VLLM_PORT
}
# The Galata spec that needs it: without .venv-vllm it is left out (CI has it; setup makes it).
galata_real_vllm() {
  if [ -z "${GROUNDTRACE_TEST_VLLM_PORT:-}" ]; then
    [ -n "${CI:-}" ] && { echo "no vLLM for the real-vLLM Galata spec (setup makes .venv-vllm)" >&2; return 1; }
    echo "skipped: no .venv-vllm (scripts/setup.sh makes it)"; return 0
  fi
  (cd ui-tests && CI=1 GROUNDTRACE_UI_REAL_VLLM=1 GROUNDTRACE_UI_VLLM_RUNNING=1 \
    GROUNDTRACE_UI_TRANSLATOR_PORT="$GROUNDTRACE_TEST_VLLM_PORT" npx playwright test)
}
run() {
  local name=$1
  shift
  echo
  echo "==> $name"
  local t0=$SECONDS
  if "$@"; then
    echo "--- $name passed in $((SECONDS - t0)) s"
    passed=$((passed + 1))
  else
    echo "--- $name FAILED in $((SECONDS - t0)) s"
    failed+=("$name")
  fi
}

# The wheel must carry the prebuilt labextension, so users need no Node.
check_wheel() {
  local out
  out=$(mktemp -d)
  pip wheel -q --no-deps --no-build-isolation -w "$out" . >/dev/null &&
    python - "$out" <<'PY'
import sys, zipfile, pathlib
wheel = next(pathlib.Path(sys.argv[1]).glob('groundtrace-*.whl'))
names = zipfile.ZipFile(wheel).namelist()
need = ['share/jupyter/labextensions/groundtrace/package.json',
        'share/jupyter/labextensions/groundtrace/install.json',
        'groundtrace/schema/trace.schema.json',
        'etc/jupyter/jupyter_server_config.d/groundtrace.json']
missing = [n for n in need if not any(name.endswith(n) for name in names)]
print(wheel.name, len(names), 'files;', 'missing: ' + ', '.join(missing) if missing else 'labextension and schema included')
sys.exit(1 if missing else 0)
PY
  local status=$?
  rm -rf "$out"
  return $status
}

check_labextension() {
  jupyter labextension list 2>&1 | grep -E "groundtrace.*enabled.*OK"
}

check_server_extension() {
  jupyter server extension list 2>&1 | grep -E "groundtrace.server.*OK"
}

run "lint: ruff" ruff check .
run "lint: eslint + prettier" npm run --silent lint:check
run "jest" npx jest --ci
run "wheel contents" check_wheel
run "labextension enabled" check_labextension
run "server extension enabled" check_server_extension
wait_for_vllm || echo "(the real-server tests will say why they cannot run)"
run "pytest" python -m pytest tests -q -p no:cacheprovider
run "galata (ui-tests)" env CI=1 bash -c 'cd ui-tests && npx playwright test'
run "galata: Translate against the real vLLM" galata_real_vllm
stop_vllm

echo
echo "==> all tests finished in $((SECONDS - START)) s"
[ ${#failed[@]} -gt 0 ] && echo "FAILED: ${failed[*]}"
echo "suites: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
