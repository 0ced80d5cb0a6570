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
run "pytest" python -m pytest tests -q -p no:cacheprovider
run "jest" npx jest --ci
run "wheel contents" check_wheel
run "labextension enabled" check_labextension
run "server extension enabled" check_server_extension
run "galata (ui-tests)" env CI=1 bash -c 'cd ui-tests && npx playwright test'

echo
echo "==> all tests finished in $((SECONDS - START)) s"
[ ${#failed[@]} -gt 0 ] && echo "FAILED: ${failed[*]}"
echo "suites: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
