"""Speed of the gradient lab's recompute, printed as a Markdown table.

    .venv/bin/python benchmarks/bench_gradients.py            # H = 32, T = 200 (the issue's budget)
    .venv/bin/python benchmarks/bench_gradients.py --hidden 64 --length 1000

For rnn, lstm and gru over the same seeded random sequence (printable ASCII, one-hot), it times:

* the lab's recompute of all three cells: ``compare(GradientSettings(...))`` — build the cells, forward,
  one backward pass per cell with the H×H identity as cotangent (all output directions at once), the
  Frobenius norms, Π f and the readouts. Budget: ≤ 30 ms at H = 32, T = 200;
* per cell, the same Jacobian norms three ways, after one shared forward pass:
  the batched backward (what the lab does), H separate backward passes (one output direction each), and
  ``torch.autograd.functional.jacobian`` of h_T with respect to the whole input sequence through
  ``torch.nn.RNN/LSTM/GRU`` holding the same weights (float64, with and without ``vectorize=True``) when
  torch is importable. Each alternative's largest relative difference from the batched norms is printed,
  so the table also shows that the three agree.

Each figure is the median of repeated runs (after a warm-up). NumPy and torch run on one thread: the
BLAS/OpenMP thread variables are set to 1 before NumPy loads (unless already set) and
torch.set_num_threads(1). The load average is printed, since other work on the machine skews every figure.
"""

from __future__ import annotations

import os

# Must happen before NumPy or torch load their BLAS/OpenMP runtimes.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lstm_tui.analysis.gradient_flow import GradientSettings, compare, input_jacobian_norms, random_sequence  # noqa: E402
from lstm_tui.model import PRINTABLE_ASCII, Vocabulary, build_cell  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

CELL_NAMES = ("rnn", "lstm", "gru")
TORCH_MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
BUDGET_MS = 30.0


def median_ms(run, repeats: int) -> float:
    run()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def separate_passes(cell, result) -> np.ndarray:
    """The reference without batching: one backward pass per output direction k, Σ_k ‖∂h_T[k]/∂x_t‖²."""
    squares = np.zeros(len(result.caches))
    for row in np.eye(cell.hidden_size):
        _, dx, _ = cell.backward(result, d_state={"h": row}, param_grads=False)
        squares += np.einsum("td,td->t", dx, dx)
    return np.sqrt(squares)


def torch_module(name, cell):
    module = getattr(torch.nn, TORCH_MODULES[name])(cell.input_size, cell.hidden_size).double()
    with torch.no_grad():
        for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(module, f"{key}_l0").copy_(torch.from_numpy(cell.params[key]))
    return module


def torch_norms(module, inputs, vectorize: bool) -> np.ndarray:
    def last_hidden(x):
        return module(x.unsqueeze(1))[0][-1, 0]

    jacobian = torch.autograd.functional.jacobian(last_hidden, inputs, vectorize=vectorize)  # (H, T, D)
    return torch.linalg.norm(jacobian, dim=(0, 2)).numpy()


def largest_relative_difference(values, reference) -> float:
    return float(np.max(np.abs(values - reference) / np.abs(reference)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(1)

    settings = GradientSettings(cells=CELL_NAMES, hidden_size=args.hidden, length=args.length)
    vocab = Vocabulary(PRINTABLE_ASCII)
    inputs = vocab.one_hot(random_sequence(vocab, args.length, settings.seed))

    print(f"# Gradient lab recompute, H = {args.hidden}, T = {args.length}, D = {len(vocab)}")
    print()
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"torch {torch.__version__ if torch else 'not installed'}, one thread, "
        f"load average {os.getloadavg()[0]:.2f}, median of {args.repeats} runs"
    )
    print()
    lab_ms = median_ms(lambda: compare(settings), args.repeats)
    verdict = "within" if lab_ms <= BUDGET_MS else "over"
    print(f"Lab recompute, three cells (rnn, lstm, gru): **{lab_ms:.1f} ms** ({verdict} the {BUDGET_MS:.0f} ms budget)")
    print()
    header = (
        "| cell | forward | batched backward (lab) | H separate backwards | torch jacobian "
        "| torch jacobian, vectorize |"
    )
    print(header)
    print("|---|---:|---:|---:|---:|---:|")
    for name in CELL_NAMES:
        cell = build_cell(name, len(vocab), args.hidden, seed=settings.seed)
        result = cell.forward(inputs)
        forward_ms = median_ms(lambda cell=cell: cell.forward(inputs), args.repeats)
        batched = input_jacobian_norms(cell, result)
        batched_ms = median_ms(lambda cell=cell, result=result: input_jacobian_norms(cell, result), args.repeats)
        separate = separate_passes(cell, result)
        separate_ms = median_ms(
            lambda cell=cell, result=result: separate_passes(cell, result), max(3, args.repeats // 5)
        )
        cells = [
            f"{forward_ms:.1f} ms",
            f"{batched_ms:.1f} ms",
            f"{separate_ms:.1f} ms (Δ {largest_relative_difference(separate, batched):.0e})",
        ]
        if torch is not None:
            module, x = torch_module(name, cell), torch.from_numpy(inputs)
            for vectorize in (False, True):
                norms = torch_norms(module, x, vectorize)
                ms = median_ms(
                    lambda module=module, x=x, vectorize=vectorize: torch_norms(module, x, vectorize),
                    max(3, args.repeats // 5),
                )
                cells.append(f"{ms:.1f} ms (Δ {largest_relative_difference(norms, batched):.0e})")
        else:
            cells += ["–", "–"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    print(
        "Δ: largest relative difference from the batched norms. The torch columns include torch's own "
        "forward passes (one per jacobian call); the NumPy backward columns reuse one forward."
    )


if __name__ == "__main__":
    main()
