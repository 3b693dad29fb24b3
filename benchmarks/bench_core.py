"""Speed of the NumPy LSTM core beside PyTorch, printed as a Markdown table.

    .venv/bin/python benchmarks/bench_core.py            # full run (about a minute)
    .venv/bin/python benchmarks/bench_core.py --quick    # smoke run: H = 32 and 128, few repeats
    .venv/bin/python benchmarks/bench_core.py --modern   # the modern cells only (see below)

For the ``lstm`` registry cell with the 96-character printable-ASCII vocabulary, at H = 16 … 256, in
float32 and float64, it times:

* ``CharModel.step``: the per-keystroke path (row lookup of the tabulated input terms, then ``cell.recur``;
  no output layer), chaining the state from step to step;
* bare ``cell.recur`` on a precomputed row of input terms;
* ``cell.forward`` over a 1000-character one-hot sequence (µs per step; it also stacks the trace and keeps
  the caches for BPTT, which torch does not);
* ``torch.nn.LSTMCell`` (one step, batch 1, no_grad) and ``torch.nn.LSTM`` (the same 1000-step sequence,
  batch 1, no_grad) when torch is importable, with the same one-hot inputs and dtype;
* the arithmetic floor: 4H(H+D) multiply-adds per step at the multiply-add rate of a large NumPy matmul
  measured in this run.

For the modern cells (sLSTM, mLSTM, minGRU, minLSTM, RG-LRU; issue 17's targets) it also times, at H = 32:

* ``CharModel.step`` per keystroke beside the ``lstm`` cell's, in the same interleaved repeats (target:
  at most 2×);
* on a 512-character window, ``parallel_forward`` (mLSTM's parallel stabilised form, minGRU's and
  minLSTM's log-space scan) beside ``cell.forward`` (the step loop, caches kept) and a loop of
  ``CharModel.step`` (what the panel runs per key when it re-runs a window) (target: parallel faster).

Each figure is the median over repeats of the mean time per call (timeit style). Both sides run on one
thread: the BLAS/OpenMP thread variables are set to 1 before NumPy loads (unless already set) and
torch.set_num_threads(1). The machine's load average is printed, since other work skews every figure.
"""

from __future__ import annotations

import os

# Must happen before NumPy or torch load their BLAS/OpenMP runtimes.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _variable in THREAD_VARIABLES:
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lstm_tui.model import PRINTABLE_ASCII, CharModel  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

SAMPLE_TEXT = "The quick brown fox jumps over the lazy dog; LSTMs remember (some) things.\n"
SEQUENCE_STEPS = 1000
# (label, figure, dtype, H, maximum ratio NumPy / torch). The app runs float64 by default; the issue
# does not name a dtype for the step target, so it is checked in both.
TARGETS = (
    ("single step (CharModel.step) vs torch.nn.LSTMCell", "step", "float64", 32, 0.25),
    ("single step (CharModel.step) vs torch.nn.LSTMCell", "step", "float32", 32, 0.25),
    ("1000-step forward vs torch.nn.LSTM", "forward", "float32", 128, 1.5),
)


def calibrate_loops(run, min_seconds: float) -> int:
    """How many calls of ``run`` take at least ``min_seconds`` (after one warm-up call)."""
    run()  # warm up: caches, lazily built tables, first-call allocations
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            run()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return loops
        loops *= 2 if elapsed == 0 else max(2, min(10, int(1.2 * min_seconds / elapsed) + 1))


def median_seconds(runs: dict, repeats: int, min_seconds: float) -> dict[str, float]:
    """Median over ``repeats`` of the mean time of one call, for each named callable.

    The callables take turns within every repeat, so a burst of load from other processes hits the
    NumPy and torch figures alike and their ratios stay meaningful on a shared machine.
    """
    loops = {name: calibrate_loops(run, min_seconds) for name, run in runs.items()}
    samples = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            for _ in range(loops[name]):
                run()
            samples[name].append((time.perf_counter() - start) / loops[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def text_of_length(length: int) -> str:
    return (SAMPLE_TEXT * (length // len(SAMPLE_TEXT) + 1))[:length]


def matmul_rate(dtype, repeats, min_seconds, size=768) -> float:
    """Multiply-adds per second of one size×size by size×size NumPy product (BLAS peak, one thread)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size)).astype(dtype) for _ in range(2))
    return size**3 / median_seconds({"matmul": lambda: a @ b}, repeats, min_seconds)["matmul"]


def numpy_runs(hidden_size, dtype, steps) -> dict[str, tuple]:
    """Name → (callable, steps per call): CharModel.step and cell.recur over a keystroke sample, and
    cell.forward over a ``steps``-character sequence."""
    model = CharModel.random("lstm", hidden_size, seed=0, dtype=dtype)
    cell = model.cell
    chars = text_of_length(len(SAMPLE_TEXT))
    state0 = model.init_state()

    def keystrokes():
        state = state0
        for char in chars:
            state = model.step(char, state).state

    terms = model.input_table()[model.vocab.indices(chars)]

    def recurrences():
        state = state0
        for row in terms:
            state = cell.recur(row, state)[0]

    inputs = model.vocab.one_hot(text_of_length(steps), cell.dtype)
    return {
        "step": (keystrokes, len(chars)),
        "recur": (recurrences, len(chars)),
        "forward": (lambda: cell.forward(inputs, state0), steps),
    }


def torch_runs(hidden_size, dtype, steps) -> dict[str, tuple]:
    """Name → (callable, steps per call): torch.nn.LSTMCell (batch 1) over the same keystrokes and
    torch.nn.LSTM over the same ``steps``-character sequence, both under no_grad."""
    torch_dtype = getattr(torch, dtype)
    size = len(PRINTABLE_ASCII)
    torch.manual_seed(0)
    lstm_cell = torch.nn.LSTMCell(size, hidden_size, dtype=torch_dtype)
    lstm = torch.nn.LSTM(size, hidden_size, dtype=torch_dtype)
    vocab_index = {char: k for k, char in enumerate(sorted(PRINTABLE_ASCII))}
    eye = torch.eye(size, dtype=torch_dtype)
    chars = text_of_length(len(SAMPLE_TEXT))
    keystroke_inputs = [eye[vocab_index[char]].unsqueeze(0) for char in chars]  # (1, D) each
    sequence = eye[[vocab_index[char] for char in text_of_length(steps)]].unsqueeze(1)  # (T, 1, D)
    zeros = torch.zeros(1, hidden_size, dtype=torch_dtype)

    @torch.no_grad()
    def keystrokes():
        state = (zeros, zeros)
        for x in keystroke_inputs:
            state = lstm_cell(x, state)

    @torch.no_grad()
    def sequence_forward():
        lstm(sequence, (zeros.unsqueeze(0), zeros.unsqueeze(0)))

    return {"torch_step": (keystrokes, len(chars)), "torch_forward": (sequence_forward, steps)}


def microseconds_per_step(hidden_size, dtype, steps, repeats, min_seconds) -> dict[str, float]:
    runs = numpy_runs(hidden_size, dtype, steps)
    if torch is not None:
        runs.update(torch_runs(hidden_size, dtype, steps))
    seconds = median_seconds({name: run for name, (run, _) in runs.items()}, repeats, min_seconds)
    return {name: 1e6 * seconds[name] / per_call for name, (_, per_call) in runs.items()}


def fmt(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def ratio(numerator, denominator):
    return None if denominator is None else numerator / denominator


def measure(sizes, repeats, min_seconds) -> tuple[dict, list]:
    """The matmul rates per dtype and one row (dtype, H, µs per step by name, floor µs) per size."""
    if torch is not None:
        torch.set_num_threads(1)
    rates = {dtype: matmul_rate(dtype, repeats, min_seconds) for dtype in ("float32", "float64")}
    rows = []
    for dtype in ("float64", "float32"):
        for hidden_size in sizes:
            figures = microseconds_per_step(hidden_size, dtype, SEQUENCE_STEPS, repeats, min_seconds)
            floor = 1e6 * 4 * hidden_size * (hidden_size + len(PRINTABLE_ASCII)) / rates[dtype]
            rows.append((dtype, hidden_size, figures, floor))
    return rates, rows


def print_setup(rates, repeats, load_before, load_after) -> None:
    print("## lstm-tui core benchmark (`lstm` cell, D = 96 one-hot characters, batch 1)\n")
    print(
        f"- Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}"
    )
    threads = ", ".join(f"{name}={os.environ[name]}" for name in THREAD_VARIABLES)
    torch_threads = f"torch.set_num_threads(1) → {torch.get_num_threads()}" if torch else "no torch"
    print(f"- one thread for both sides: {threads}; {torch_threads}")
    if torch is not None:
        print(
            f"- torch oneDNN (mkldnn) enabled: {torch.backends.mkldnn.is_available()}; on CPU it gives "
            "float32 nn.LSTM a fused sequence kernel, which float64 and nn.LSTMCell do not use"
        )
    print(
        f"- load average (1/5/15 min) before {'/'.join(map(fmt, load_before))}, "
        f"after {'/'.join(map(fmt, load_after))} (above ~0.5 other work is skewing the figures)"
    )
    print(
        f"- matmul rate (768³ NumPy product): float32 {rates['float32'] / 1e9:.2f}, "
        f"float64 {rates['float64'] / 1e9:.2f} G multiply-adds/s"
    )
    print(f"- medians of {repeats} interleaved repeats; sequence = {SEQUENCE_STEPS} steps; times in µs per step\n")


def print_table(rows) -> None:
    print(
        "| dtype | H | CharModel.step | cell.recur | torch LSTMCell | step / torch | forward | torch LSTM "
        "| forward / torch | floor 4H(H+D) |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for dtype, hidden_size, us, floor in rows:
        torch_step, torch_forward = us.get("torch_step"), us.get("torch_forward")
        print(
            f"| {dtype} | {hidden_size} | {fmt(us['step'])} | {fmt(us['recur'])} | {fmt(torch_step)} "
            f"| {fmt(ratio(us['step'], torch_step))} | {fmt(us['forward'])} | {fmt(torch_forward)} "
            f"| {fmt(ratio(us['forward'], torch_forward))} | {fmt(floor, 3)} |"
        )
    print(
        "\nThe floor is 4H(H+D) multiply-adds at the large-matmul rate: a bound, not a goal. At batch 1 each "
        "step is a matrix-vector product (memory-bound, far below that rate), and CharModel.step looks up "
        "its input terms, leaving 4H·H multiply-adds per step.\n"
    )


def print_targets(rows) -> None:
    for label, key, dtype, hidden_size, limit in TARGETS:
        row = next((r for r in rows if r[0] == dtype and r[1] == hidden_size), None)
        if row is None or f"torch_{key}" not in row[2]:
            print(f"- target {label}, H={hidden_size} {dtype}: not measured (torch missing or size skipped)")
            continue
        measured = ratio(row[2][key], row[2][f"torch_{key}"])
        verdict = "PASS" if measured <= limit else "FAIL"
        print(f"- target {label}, H={hidden_size} {dtype}: {measured:.2f}× (limit {limit}×) **{verdict}**")


MODERN_CELLS = ("slstm", "mlstm", "mingru", "minlstm", "rglru")
PARALLEL_CELLS = ("mlstm", "mingru", "minlstm")
MODERN_HIDDEN, WINDOW = 32, 512


def modern_step_runs(name, dtype) -> dict:
    """name → callable: CharModel.step over the keystroke sample (per call: len(SAMPLE_TEXT) steps)."""
    model = CharModel.random(name, MODERN_HIDDEN, seed=0, dtype=dtype)
    state0 = model.init_state()

    def keystrokes():
        state = state0
        for char in SAMPLE_TEXT:
            state = model.step(char, state).state

    return {name: keystrokes}


def modern_window_runs(name, dtype) -> dict:
    """Three ways over one 512-character window: parallel form, cell.forward, CharModel.step loop."""
    model = CharModel.random(name, MODERN_HIDDEN, seed=0, dtype=dtype)
    text = text_of_length(WINDOW)
    inputs = model.vocab.one_hot(text, model.cell.dtype)
    terms = model.input_table()[model.vocab.indices(text)]

    def step_loop():
        state = model.init_state()
        for char in text:
            state = model.step(char, state).state

    return {
        "parallel": lambda: model.cell.parallel_forward(inputs),
        "forward": lambda: model.cell.forward(inputs, terms=terms),
        "steps": step_loop,
    }


def measure_modern(repeats, min_seconds) -> tuple[list, list]:
    step_rows, window_rows = [], []
    for dtype in ("float64", "float32"):
        runs = {}
        for name in ("lstm",) + MODERN_CELLS:
            runs.update(modern_step_runs(name, dtype))
        seconds = median_seconds(runs, repeats, min_seconds)
        per_step = {name: 1e6 * value / len(SAMPLE_TEXT) for name, value in seconds.items()}
        step_rows.append((dtype, per_step))
        for name in PARALLEL_CELLS:
            medians = median_seconds(modern_window_runs(name, dtype), repeats, min_seconds)
            window_rows.append((dtype, name, {k: 1e3 * v for k, v in medians.items()}))
    return step_rows, window_rows


def print_modern(step_rows, window_rows) -> None:
    print(f"### Modern cells: one keystroke (CharModel.step, H = {MODERN_HIDDEN}, µs per step)\n")
    print("| dtype | lstm | " + " | ".join(MODERN_CELLS) + " |")
    print("|---|--:|" + "--:|" * len(MODERN_CELLS))
    for dtype, us in step_rows:
        cells = " | ".join(f"{fmt(us[name], 1)} ({fmt(us[name] / us['lstm'])}×)" for name in MODERN_CELLS)
        print(f"| {dtype} | {fmt(us['lstm'], 1)} | {cells} |")
    worst = max(us[name] / us["lstm"] for _, us in step_rows for name in MODERN_CELLS)
    print(f"\n- target: each at most 2× lstm; worst {worst:.2f}× **{'PASS' if worst <= 2 else 'FAIL'}**\n")
    print(f"### Parallel forms on a {WINDOW}-character window (ms per window)\n")
    print("| dtype | cell | parallel_forward | cell.forward (step loop) | CharModel.step loop | loop / parallel |")
    print("|---|---|--:|--:|--:|--:|")
    for dtype, name, ms in window_rows:
        print(
            f"| {dtype} | {name} | {fmt(ms['parallel'], 3)} | {fmt(ms['forward'], 3)} | {fmt(ms['steps'], 3)} "
            f"| {fmt(ms['forward'] / ms['parallel'], 1)}× |"
        )
    fastest = all(ms["parallel"] < ms["forward"] for _, _, ms in window_rows)
    print(f"\n- target: parallel faster than the step loop **{'PASS' if fastest else 'FAIL'}**\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: H = 32 and 128, few repeats")
    parser.add_argument("--modern", action="store_true", help="only the modern cells' step and parallel figures")
    args = parser.parse_args(argv)
    sizes = (32, 128) if args.quick else (16, 32, 64, 128, 256)
    repeats, min_seconds = (3, 0.01) if args.quick else (7, 0.05)
    load_before = os.getloadavg()
    if not args.modern:
        rates, rows = measure(sizes, repeats, min_seconds)
        print_setup(rates, repeats, load_before, os.getloadavg())
        print_table(rows)
        print_targets(rows)
    step_rows, window_rows = measure_modern(repeats, min_seconds)
    print(f"- load average before {'/'.join(map(fmt, load_before))}, after {'/'.join(map(fmt, os.getloadavg()))}\n")
    print_modern(step_rows, window_rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
