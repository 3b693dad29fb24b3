"""Train every cell on the memory tasks with the same budget, and tabulate what each learned and how fast.

    .venv/bin/python tools/compare_cells.py WORK_DIR [--cells lstm,slstm,...] [--tasks brackets,...]
    .venv/bin/python tools/compare_cells.py --table    # the Markdown table of tools/cell_comparison.json

Every cell gets the same budget on every task: HIDDEN units and STEPS training steps (about half the
shipped LSTMs' steps, so the whole table costs ~10 CPU-minutes), with the seed and learning rate of the
shipped LSTM's recipe for the task (``lstm_tui.training.shipped.RECIPES``). Each run is
``lstm-tui train`` with every setting spelled out, into WORK_DIR/TASK-CELL.npz (+ .md card); a run whose
weights are already there is not repeated. Then every model is measured on its task's fresh text
(``lstm_tui.training.comparison``) and the training speed of each cell is timed on its own (CPU time
of this process, one thread, the tasks' batch and sequence length), and the lot is written to
``tools/cell_comparison.json`` with the commands, the load average and the machine.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from lstm_tui.blas import limit_blas_threads

limit_blas_threads()  # before NumPy is imported, as `lstm-tui train` does

import numpy as np  # noqa: E402

from lstm_tui.cli import main  # noqa: E402
from lstm_tui.model.weights import load_model, load_model_file  # noqa: E402
from lstm_tui.training.comparison import comparison_table, memory_measures  # noqa: E402
from lstm_tui.training.shipped import RECIPES, command_line, train_argv  # noqa: E402
from lstm_tui.training.tasks import get_task  # noqa: E402
from lstm_tui.training.trainer import ChunkStream, TrainConfig, Trainer, new_model  # noqa: E402

CELLS = ("lstm", "gru", "slstm", "mlstm", "mingru", "minlstm", "rglru")
TASKS = ("brackets", "quotes", "counting")
RESULTS = Path(__file__).with_name("cell_comparison.json")
SPEED_STEPS, SPEED_REPEATS = 20, 5
HIDDEN, STEPS = 16, 1000


def config_for(task: str, cell: str) -> TrainConfig:
    recipe = RECIPES[task]
    return TrainConfig(cell=cell, hidden=HIDDEN, steps=STEPS, seed=recipe.seed, learning_rate=recipe.learning_rate)


def train(work: Path, task: str, cell: str) -> dict:
    weights = work / f"{task}-{cell}.npz"
    argv = train_argv(task, config_for(task, cell), out=weights, card=work / f"{task}-{cell}.md")
    if not weights.exists():
        print(command_line(argv), flush=True)
        status = main(argv)
        if status:
            raise SystemExit(f"{task}-{cell}: exit {status}")
    meta = load_model_file(weights).meta or {}
    card = {key: meta[key] for key in ("train_seconds", "load_average") if key in meta}
    return {"command": command_line(train_argv(task, config_for(task, cell), out=f"{task}-{cell}.npz")), **card}


def training_speed(task: str, cell: str) -> float:
    """Training steps per CPU second (median of SPEED_REPEATS blocks of SPEED_STEPS steps, after one)."""
    config = config_for(task, cell)
    task_object = get_task(task)
    model = new_model(task_object.vocabulary(), config)
    trainer = Trainer(model, config)
    length = config.batch * ((SPEED_REPEATS + 1) * SPEED_STEPS * config.seq_len + 1)
    stream = ChunkStream(
        model.vocab.indices(task_object.training_text(length, config.seed)), config.batch, config.seq_len
    )
    trainer.run(stream, SPEED_STEPS)
    seconds = []
    for _ in range(SPEED_REPEATS):
        start = time.process_time()
        trainer.run(stream, SPEED_STEPS)
        seconds.append(time.process_time() - start)
    return SPEED_STEPS / float(np.median(seconds))


def run(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path, nargs="?", help="folder for the trained weights and cards")
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--table", action="store_true", help="print the table of the JSON's runs, train nothing")
    args = parser.parse_args(argv)
    cells, tasks = args.cells.split(","), args.tasks.split(",")
    if args.table:
        print(comparison_table(json.loads(args.json.read_text())["runs"], tuple(cells), tuple(tasks)))
        return 0
    if args.work is None:
        parser.error("give WORK_DIR (or --table)")
    args.work.mkdir(parents=True, exist_ok=True)
    results = json.loads(args.json.read_text()) if args.json.exists() else {"runs": {}}
    for task in tasks:
        for cell in cells:
            run_info = train(args.work, task, cell)
            model = load_model(args.work / f"{task}-{cell}.npz")
            recipe = RECIPES[task]
            results["runs"][f"{task}-{cell}"] = {
                "task": task,
                "cell": cell,
                "hidden": HIDDEN,
                "steps": STEPS,
                "seed": recipe.seed,
                "learning_rate": recipe.learning_rate,
                "parameters": model.cell.parameter_count(),
                **run_info,
                **memory_measures(model, task, recipe.seed),
                "steps_per_cpu_second": round(training_speed(task, cell), 1),
            }
            print(task, cell, results["runs"][f"{task}-{cell}"], flush=True)
            results["machine"] = {
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "load_average": [round(v, 2) for v in os.getloadavg()],
                "python": sys.version.split()[0],
                "numpy": np.__version__,
            }
            args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
