"""One training step of the NumPy trainer against the same model in PyTorch on the CPU, one thread each.

Model: LSTM (PyTorch nn.LSTM maths), H=64, vocabulary 60, one-hot inputs, linear output layer, softmax
cross-entropy, truncated BPTT over T=50 × batch 32 with the state carried, global-norm clipping at 5,
Adam; float32. Budget (issue 6): NumPy step time ≤ 1.0 × torch step time, measured in the same run.

    .venv/bin/python benchmarks/bench_train.py [--steps N] [--repeats R] [--layers L] [--bidirectional]

``--layers``/``--bidirectional`` train a stacked/bidirectional model on both sides (nn.LSTM's
``num_layers``/``bidirectional``); the budget is stated for the default, one layer.

Reports the median of R timed blocks of N steps each (NumPy and torch blocks interleaved, after a warm-up),
in wall clock and in CPU time of the thread, and where a NumPy step's time goes (forward recurrence,
backward recurrence and its whole-sequence parts, loss, input gradient, update).
"""

import os

# One thread on both sides; these must be set before NumPy (and its BLAS) is imported.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lstm_tui.model.vocab import Vocabulary  # noqa: E402
from lstm_tui.training.trainer import TrainConfig, Trainer, new_model  # noqa: E402

HIDDEN, VOCAB, SEQ_LEN, BATCH = 64, 60, 50, 32
SHAPE = {"layers": 1, "bidirectional": False}  # set from the command line


def numpy_trainer():
    vocab = Vocabulary("".join(chr(0x30 + k) for k in range(VOCAB)))
    config = TrainConfig(cell="lstm", hidden=HIDDEN, batch=BATCH, seq_len=SEQ_LEN, seed=0, **SHAPE)
    trainer = Trainer(new_model(vocab, config), config)
    rng = np.random.default_rng(0)
    batches = [(rng.integers(0, VOCAB, (SEQ_LEN, BATCH)), rng.integers(0, VOCAB, (SEQ_LEN, BATCH))) for _ in range(8)]
    return trainer, batches


def timed_block(steps: int, train_step, batches):
    """A function that times ``steps`` calls of ``train_step`` on the batches in turn and returns seconds
    per step: (wall clock, CPU time of this thread). The CPU time leaves out waiting for a core, which on
    a busy machine varies from block to block."""

    def block():
        wall, cpu = time.perf_counter(), time.thread_time()
        for k in range(steps):
            train_step(*batches[k % len(batches)])
        return (time.perf_counter() - wall) / steps, (time.thread_time() - cpu) / steps

    return block


def numpy_block(steps: int):
    """``timed_block`` for NumPy training steps."""
    trainer, batches = numpy_trainer()
    return timed_block(steps, trainer.train_step, batches)


def torch_block(steps: int):
    """The same for the torch model."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(VOCAB, HIDDEN, num_layers=SHAPE["layers"], bidirectional=SHAPE["bidirectional"])
    out = torch.nn.Linear(HIDDEN * (2 if SHAPE["bidirectional"] else 1), VOCAB)
    params = list(lstm.parameters()) + list(out.parameters())
    optimizer = torch.optim.Adam(params, lr=3e-3)
    eye = torch.eye(VOCAB)
    generator = torch.Generator().manual_seed(0)
    batches = [
        (
            eye[torch.randint(0, VOCAB, (SEQ_LEN, BATCH), generator=generator)],
            torch.randint(0, VOCAB, (SEQ_LEN, BATCH), generator=generator),
        )
        for _ in range(8)
    ]
    state = None

    def train_step(inputs, targets):
        nonlocal state
        output, (h, c) = lstm(inputs, state)
        state = (h.detach(), c.detach())
        if SHAPE["bidirectional"]:  # as the NumPy trainer: reverse directions start each chunk from zero
            state[0][1::2] = 0
            state[1][1::2] = 0
        loss = torch.nn.functional.cross_entropy(out(output).reshape(-1, VOCAB), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()

    return timed_block(steps, train_step, batches)


# Functions of a NumPy step, indented under the one that calls them.
PROFILE_PARTS = (
    "forward",
    "  recur",
    "backward_terms",
    "  prepare_backward",
    "  recur_backward",
    "  recurrent_grads",
    "softmax_cross_entropy",
    "scatter_rows",
    "input_terms_backward",
    "clip_gradients",
    "update",
)


def numpy_profile(steps: int):
    """Share of a NumPy step spent in each part of Trainer.train_step, from cProfile's cumulative times
    (the profiler slows Python calls, so read these as proportions)."""
    import cProfile
    import pstats

    trainer, batches = numpy_trainer()
    profiler = cProfile.Profile()
    profiler.enable()
    for k in range(steps):
        trainer.train_step(*batches[k % len(batches)])
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    cumulative = {}
    for (_, _, function), (_, _, _, total, _) in stats.items():
        cumulative[function] = cumulative.get(function, 0.0) + total
    step = cumulative["train_step"]
    return {name: cumulative.get(name.strip(), 0.0) / step for name in PROFILE_PARTS}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=5, help="timed blocks (the median is reported)")
    parser.add_argument("--layers", type=int, default=1, help="stacked layers (both sides)")
    parser.add_argument("--bidirectional", action="store_true", help="bidirectional layers (both sides)")
    args = parser.parse_args()
    SHAPE.update(layers=args.layers, bidirectional=args.bidirectional)
    shape = f", {args.layers} layers" * (args.layers > 1) + ", bidirectional" * args.bidirectional
    print(f"one training step: LSTM H={HIDDEN}{shape}, vocab {VOCAB}, T={SEQ_LEN}, batch {BATCH}, float32, 1 thread")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    blocks = {"numpy": numpy_block(args.steps), "torch": torch_block(args.steps)}
    times = {name: [] for name in blocks}
    for block in blocks.values():
        block()  # warm-up
    for _ in range(args.repeats):  # interleaved, so a change in machine load hits both sides alike
        for name, block in blocks.items():
            times[name].append(block())
    # medians of wall clock and of CPU time, each over the blocks
    (numpy_wall, numpy_cpu), (torch_wall, torch_cpu) = (map(statistics.median, zip(*times[name])) for name in blocks)
    print("         wall clock    CPU time of the thread")
    print(f"numpy  {numpy_wall * 1e3:7.2f} ms/step  {numpy_cpu * 1e3:7.2f} ms/step")
    print(f"torch  {torch_wall * 1e3:7.2f} ms/step  {torch_cpu * 1e3:7.2f} ms/step")
    ratio = numpy_wall / torch_wall
    print(f"ratio  {ratio:7.2f} ×        {numpy_cpu / torch_cpu:7.2f} ×")
    print(f"budget (wall clock) ≤ 1.00 × torch: {'within' if ratio <= 1.0 else 'OVER'} budget")
    print("share of a numpy step (cProfile, cumulative):")
    for name, share in numpy_profile(args.steps).items():
        print(f"  {name:22s} {share:6.1%}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
