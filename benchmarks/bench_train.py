"""One training step of the NumPy trainer against the same model in PyTorch on the CPU, one thread each.

Model: LSTM (PyTorch nn.LSTM maths), H=64, vocabulary 60, one-hot inputs, linear output layer, softmax
cross-entropy, truncated BPTT over T=50 × batch 32 with the state carried, global-norm clipping at 5,
Adam; float32. Budget (issue 6): NumPy step time ≤ 1.0 × torch step time, measured in the same run.

    .venv/bin/python benchmarks/bench_train.py [--steps N] [--repeats R]

Reports the median of R timed blocks of N steps each, after a warm-up, and a per-phase profile of the
NumPy step (forward recurrence, output layer, backward recurrence, input gradient, update).
"""

import os

# One thread on both sides; these must be set before NumPy (and its BLAS) is imported.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lstm_tui.model.trainer import TrainConfig, Trainer, new_model  # noqa: E402
from lstm_tui.model.vocab import Vocabulary  # noqa: E402

HIDDEN, VOCAB, SEQ_LEN, BATCH = 64, 60, 50, 32


def numpy_step(steps: int, repeats: int):
    vocab = Vocabulary("".join(chr(0x30 + k) for k in range(VOCAB)))
    config = TrainConfig(cell="lstm", hidden=HIDDEN, batch=BATCH, seq_len=SEQ_LEN, seed=0)
    trainer = Trainer(new_model(vocab, config), config)
    rng = np.random.default_rng(0)
    batches = [(rng.integers(0, VOCAB, (SEQ_LEN, BATCH)), rng.integers(0, VOCAB, (SEQ_LEN, BATCH))) for _ in range(8)]

    def block():
        start = time.perf_counter()
        for k in range(steps):
            trainer.train_step(*batches[k % len(batches)])
        return (time.perf_counter() - start) / steps

    block()  # warm-up
    return statistics.median(block() for _ in range(repeats))


def torch_step(steps: int, repeats: int):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(VOCAB, HIDDEN)
    out = torch.nn.Linear(HIDDEN, VOCAB)
    params = list(lstm.parameters()) + list(out.parameters())
    optimizer = torch.optim.Adam(params, lr=3e-3)
    eye = torch.eye(VOCAB)
    generator = torch.Generator().manual_seed(0)
    batches = [
        (eye[torch.randint(0, VOCAB, (SEQ_LEN, BATCH), generator=generator)],
         torch.randint(0, VOCAB, (SEQ_LEN, BATCH), generator=generator))
        for _ in range(8)
    ]
    state = None

    def train_step(inputs, targets):
        nonlocal state
        output, (h, c) = lstm(inputs, state)
        state = (h.detach(), c.detach())
        loss = torch.nn.functional.cross_entropy(out(output).reshape(-1, VOCAB), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()

    def block():
        start = time.perf_counter()
        for k in range(steps):
            train_step(*batches[k % len(batches)])
        return (time.perf_counter() - start) / steps

    block()
    return statistics.median(block() for _ in range(repeats))


def numpy_profile(steps: int):
    """Where a NumPy step's time goes, phase by phase (the same operations as Trainer.train_step)."""
    from lstm_tui.model.numerics import lead_sum, outer_sum
    from lstm_tui.model.trainer import clip_gradients, scatter_rows, softmax_cross_entropy

    vocab = Vocabulary("".join(chr(0x30 + k) for k in range(VOCAB)))
    config = TrainConfig(cell="lstm", hidden=HIDDEN, batch=BATCH, seq_len=SEQ_LEN, seed=0)
    trainer = Trainer(new_model(vocab, config), config)
    cell, output = trainer.cell, trainer.model.output
    rng = np.random.default_rng(0)
    inputs, targets = rng.integers(0, VOCAB, (SEQ_LEN, BATCH)), rng.integers(0, VOCAB, (SEQ_LEN, BATCH))
    totals = dict.fromkeys(("input gather", "forward recurrence", "output layer", "backward recurrence",
                            "input gradient", "clip + Adam"), 0.0)
    for _ in range(steps):
        marks = [time.perf_counter()]
        terms = cell.input_terms(trainer.identity)[inputs]
        marks.append(time.perf_counter())
        state, caches, hidden = cell.init_state((BATCH,)), [], []
        for terms_t in terms:
            state, trace, cache = cell.recur(terms_t, state)
            caches.append(cache)
            hidden.append(trace["h"])
        h = np.stack(hidden)
        marks.append(time.perf_counter())
        _, _, d_logits = softmax_cross_entropy(h @ output["weight_out"].T + output["bias_out"], targets)
        grads = {name: np.zeros_like(value) for name, value in cell.params.items()}
        grads["weight_out"] = outer_sum(d_logits, h)
        grads["bias_out"] = lead_sum(d_logits)
        dh = d_logits @ output["weight_out"]
        marks.append(time.perf_counter())
        d_state = {name: np.zeros_like(value) for name, value in state.items()}
        d_terms = np.empty_like(terms)
        for t in reversed(range(len(caches))):
            d_state["h"] = d_state["h"] + dh[t]
            d_terms[t], d_state = cell.recur_backward(caches[t], d_state, grads)
        marks.append(time.perf_counter())
        cell.input_terms_backward(trainer.identity, scatter_rows(d_terms, inputs, VOCAB), grads)
        marks.append(time.perf_counter())
        clip_gradients(grads, 5.0)
        trainer.optimizer.update(trainer.all_params(), grads)
        marks.append(time.perf_counter())
        for name, begin, end in zip(totals, marks, marks[1:]):
            totals[name] += end - begin
    return {name: total / steps for name, total in totals.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=5, help="timed blocks (the median is reported)")
    args = parser.parse_args()
    print(f"one training step: LSTM H={HIDDEN}, vocab {VOCAB}, T={SEQ_LEN}, batch {BATCH}, float32, 1 thread")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    numpy_time = numpy_step(args.steps, args.repeats)
    torch_time = torch_step(args.steps, args.repeats)
    print(f"numpy  {numpy_time * 1e3:7.2f} ms/step")
    print(f"torch  {torch_time * 1e3:7.2f} ms/step")
    ratio = numpy_time / torch_time
    print(f"ratio  {ratio:7.2f} × torch (budget ≤ 1.00): {'within' if ratio <= 1.0 else 'OVER'} budget")
    print("numpy step by phase:")
    for name, seconds in numpy_profile(args.steps).items():
        print(f"  {name:20s} {seconds * 1e3:6.2f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
