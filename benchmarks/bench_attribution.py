"""What the live panel pays per key for a 512-character window: the edit (``LiveRun.set_text``) and the
attribution line (``analysis.attribution.attribute`` on ``LiveRun.result()``), beside torch.autograd
computing the same attribution, printed as a Markdown table.

    .venv/bin/python benchmarks/bench_attribution.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench_attribution.py --quick    # smoke run: three models, few repeats

Each model has the 96-character printable-ASCII vocabulary and an output layer, and has already read a
512-character text. A "key" alternates typing a 513th character and deleting it again, so a one-direction
model takes one step per layer on every other key, and a bidirectional one re-runs its reverse direction
and upper layers over the whole window on every key. The attribution differentiates log p of the top
prediction at the last step with respect to every one of the 512 inputs: one backward pass over the
window (the forward steps are the ones the edits kept).

torch (CPU, one thread, same dtype and weights shape) has no steps to keep: each of its attributions is a
forward pass over the 512 one-hot inputs with ``requires_grad`` and one ``autograd.grad`` call.

Figures are medians over repeats of the mean CPU time of this thread per call (so other processes on a
busy machine count less than in wall-clock time); the load average is printed beside them.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before NumPy or torch load their BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from lstm_tui.analysis.attribution import attribute  # noqa: E402
from lstm_tui.model import PRINTABLE_ASCII, CharModel  # noqa: E402
from lstm_tui.model.charmodel import LiveRun  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

WINDOW = 512
SAMPLE = "The quick brown fox jumps over the lazy dog; LSTMs remember (some) things.\n"
TEXT = (SAMPLE * (WINDOW // len(SAMPLE) + 1))[:WINDOW]
# (cell, H, layers, bidirectional, dtype): the shipped models are lstm H = 16…48 in float32; a random
# panel model is float64.
MODELS = (
    ("lstm", 16, 1, False, "float32"),
    ("lstm", 32, 1, False, "float32"),
    ("lstm", 48, 1, False, "float32"),
    ("lstm", 32, 1, False, "float64"),
    ("lstm", 64, 1, False, "float64"),
    ("rnn", 32, 1, False, "float64"),
    ("gru", 32, 1, False, "float64"),
    ("lstm", 32, 2, False, "float64"),
    ("lstm", 32, 1, True, "float64"),
    ("lstm", 32, 2, True, "float64"),
)
QUICK_MODELS = (MODELS[1], MODELS[3], MODELS[8])
TORCH_MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def cpu_ms(run, repeats: int, calls: int) -> float:
    """Median over ``repeats`` of the mean CPU time of ``calls`` calls, in ms (after one warm-up call)."""
    run()
    samples = []
    for _ in range(repeats):
        start = time.thread_time()
        for _ in range(calls):
            run()
        samples.append((time.thread_time() - start) / calls * 1e3)
    return statistics.median(samples)


def numpy_costs(cell, hidden, layers, bidirectional, dtype, repeats, calls):
    model = CharModel.random(
        cell, hidden, seed=0, output_layer=True, num_layers=layers, bidirectional=bidirectional, dtype=dtype
    )
    live = LiveRun(model, WINDOW + 1)
    live.set_text(TEXT)
    texts = [TEXT + "!", TEXT]
    turn = [0]

    def key():
        live.set_text(texts[turn[0] % 2])
        turn[0] += 1

    def attribution():
        attribute(model, live.result(), live.length - 1)

    return cpu_ms(key, repeats, calls), cpu_ms(attribution, repeats, calls)


def torch_cost(cell, hidden, layers, bidirectional, dtype, repeats, calls):
    if torch is None:
        return None
    torch.set_num_threads(1)
    torch_dtype = getattr(torch, dtype)
    module = getattr(torch.nn, TORCH_MODULES[cell])(
        len(PRINTABLE_ASCII), hidden, num_layers=layers, bidirectional=bidirectional, dtype=torch_dtype
    )
    output = torch.nn.Linear(hidden * (2 if bidirectional else 1), len(PRINTABLE_ASCII), dtype=torch_dtype)
    vocab = sorted(PRINTABLE_ASCII)
    one_hot = torch.nn.functional.one_hot(torch.tensor([vocab.index(c) for c in TEXT]), len(vocab)).to(torch_dtype)

    def attribution():
        x = one_hot.clone().requires_grad_()
        log_p = torch.log_softmax(output(module(x)[0][-1]), dim=-1)
        (gradient,) = torch.autograd.grad(log_p[int(log_p.argmax())], [x])
        return gradient.norm(dim=-1)

    return cpu_ms(attribution, repeats, calls)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: three models, few repeats")
    args = parser.parse_args(argv)
    models, repeats, calls = (QUICK_MODELS, 3, 4) if args.quick else (MODELS, 7, 10)
    print(
        f"load average before: {os.getloadavg()[0]:.2f}; window {WINDOW}, vocabulary {len(PRINTABLE_ASCII)}, "
        f"medians of {repeats} × {calls} calls, ms of CPU per call"
    )
    print()
    print(
        "| cell | H | layers | dtype | key (edit) | attribution | key + attribution | torch attribution "
        "| ours / torch |"
    )
    print("|---|--:|---|---|--:|--:|--:|--:|--:|")
    for cell, hidden, layers, bidirectional, dtype in models:
        key, attribution = numpy_costs(cell, hidden, layers, bidirectional, dtype, repeats, calls)
        reference = torch_cost(cell, hidden, layers, bidirectional, dtype, repeats, calls)
        shape = f"{layers}{' bi' if bidirectional else ''}"
        ratio = "–" if reference is None else f"{(key + attribution) / reference:.2f}"
        torch_text = "–" if reference is None else f"{reference:.2f}"
        print(
            f"| {cell} | {hidden} | {shape} | {dtype} | {key:.2f} | {attribution:.2f} | {key + attribution:.2f} "
            f"| {torch_text} | {ratio} |"
        )
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
