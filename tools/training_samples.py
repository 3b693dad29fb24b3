"""Samples of the shipped text model at a few points of its training, for the lesson on training.

    .venv/bin/python tools/training_samples.py        # from the repository root; ~20-60 s

Trains the ``text`` recipe again exactly as ``tools/train_shipped.py`` does (same model, same text, same
steps), draws a sample from the model being trained at each step in ``STEPS`` (the same prime, temperature
and seed every time), and writes them to ``lstm_tui/models/text-samples.md``. The last point is the
shipped model itself: the run checks that its weights equal ``lstm_tui/models/text.npz`` bit for bit, and
refuses to write samples of a model that is not the shipped one (retrain it first).
"""

import sys

from lstm_tui.blas import limit_blas_threads

limit_blas_threads()  # before NumPy is imported, as `lstm-tui train` does

import numpy as np  # noqa: E402

from lstm_tui.curriculum import lesson_files  # noqa: E402
from lstm_tui.model.sampling import SamplingSettings, sample  # noqa: E402
from lstm_tui.models import MODELS_DIR  # noqa: E402
from lstm_tui.training.shipped import RECIPES, load_shipped, load_shipped_card, train_task  # noqa: E402
from lstm_tui.training.tasks import get_task  # noqa: E402
from lstm_tui.training.trainer import TrainConfig, new_model  # noqa: E402

STEPS = (0, 100, 300, 1000, 3000)
PRIME, LENGTH, SETTINGS = "The forget gate ", 160, SamplingSettings(temperature=0.8, seed=1)
OUT = MODELS_DIR / "text-samples.md"


def main() -> int:
    recipe = RECIPES["text"]
    if STEPS[-1] != recipe.steps:
        print(f"the last point must be the end of training, step {recipe.steps}", file=sys.stderr)
        return 2
    config = TrainConfig(
        cell=recipe.cell,
        hidden=recipe.hidden,
        steps=recipe.steps,
        seed=recipe.seed,
        learning_rate=recipe.learning_rate,
        report_every=100,
    )
    task = get_task("text", lesson_files(), "the lessons")
    model = new_model(task.vocabulary(), config)
    samples = {0: (None, sample(model, PRIME, LENGTH, SETTINGS).text)}

    def look(progress):
        if progress.step in STEPS:
            samples[progress.step] = (progress.loss, sample(model, PRIME, LENGTH, SETTINGS).text)
            print(f"step {progress.step}: loss {progress.loss:.3f}", flush=True)

    train_task(task, config, look, model=model)
    shipped = load_shipped("text")
    same = all(
        np.array_equal(value.astype(shipped.cell.dtype), shipped.cell.params[name])
        for name, value in model.cell.params.items()
    )
    if not same or samples[STEPS[-1]][1] != sample(shipped, PRIME, LENGTH, SETTINGS).text:
        print(
            "this run does not give the shipped text model (other lessons or other code since it was trained): "
            "retrain it with tools/train_shipped.py text, then run this again",
            file=sys.stderr,
        )
        return 1
    OUT.write_text(markdown(samples, load_shipped_card("text")), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


def markdown(samples: dict, card: dict) -> str:
    lines = [
        "# The text model while it learns",
        "",
        f"Samples of the shipped `text` model ({card['cell']}, {card['hidden']} units, trained on "
        f"{card['corpus']}, corpus sha256 `{card['corpus_sha256'][:16]}…`) at {len(STEPS)} points of its training, "
        f"each primed with {PRIME!r} and drawn at temperature {SETTINGS.temperature} with seed {SETTINGS.seed}. "
        f"Made by `tools/training_samples.py`; the last is `lstm-tui sample --model text --prime {PRIME!r} "
        f"--length {LENGTH} --temperature {SETTINGS.temperature} --seed {SETTINGS.seed}`.",
        "",
    ]
    for step in STEPS:
        loss, text = samples[step]
        title = "Before training" if step == 0 else f"After {step:,} steps (training loss {loss:.2f} nats/char)"
        lines += [f"## {title}", "", "```text", PRIME + text, "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
