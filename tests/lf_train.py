"""Run inside .venv-lf: load a groundtrace build folder with LLaMA-Factory's own data loader,
then run a LoRA SFT of a few steps on it. Prints one JSON line: the samples LLaMA-Factory
loaded, the losses per step, the seconds taken.

    .venv-lf/bin/python tests/lf_train.py BUILD_FOLDER DATASET_NAME MODEL_DIR OUTPUT_DIR [STEPS]
"""

import json
import sys
import time


def main(folder, dataset, model_dir, output_dir, steps=2):
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer
    from llamafactory.train.tuner import run_exp

    args = {
        'stage': 'sft', 'do_train': True, 'model_name_or_path': model_dir, 'finetuning_type': 'lora',
        'lora_target': 'all', 'lora_rank': 4, 'dataset_dir': folder, 'dataset': dataset, 'template': 'smollm2',
        'cutoff_len': 1024, 'overwrite_cache': True, 'preprocessing_num_workers': 1, 'output_dir': output_dir,
        'overwrite_output_dir': True, 'per_device_train_batch_size': 1, 'gradient_accumulation_steps': 1,
        'max_steps': int(steps), 'learning_rate': 1e-4, 'logging_steps': 1, 'save_strategy': 'no',
        'report_to': 'none', 'use_cpu': True, 'bf16': False, 'fp16': False, 'dataloader_num_workers': 0,
        'plot_loss': False,
    }
    started = time.monotonic()
    model_args, data_args, training_args, _, _ = get_train_args(dict(args))
    tokenizer_module = load_tokenizer(model_args)
    template = get_template_and_fix_tokenizer(tokenizer_module['tokenizer'], data_args)
    module = get_dataset(template, model_args, data_args, training_args, stage='sft', **tokenizer_module)
    loaded = len(module['train_dataset'])
    loaded_s = time.monotonic() - started
    run_exp(dict(args))
    with open(output_dir + '/trainer_state.json') as f:
        history = json.load(f)['log_history']
    losses = [float(entry['loss']) for entry in history if 'loss' in entry]
    print(json.dumps({'loaded': loaded, 'losses': losses, 'load_s': round(loaded_s, 1),
                      'seconds': round(time.monotonic() - started, 1)}))


if __name__ == '__main__':
    main(*sys.argv[1:])
