"""Every limit and default the app applies, stated once with its reason.

NumPy-free, so the command line checks its options against these before it loads anything heavy, and the
core, the screens and the gradient lab read the same numbers. (Weight-file limits live with the loader in
``model/weights.py``: nothing else applies them.)
"""

from __future__ import annotations

from .errors import UserError

# --- cells -------------------------------------------------------------------------------------------
# The registry's cells, in the order lists show them; ``model/registry.py`` builds ``CELLS`` in this order
# and refuses to import if a name has no cell or a cell no name.
CELL_NAMES = (
    "rnn",
    "lstm",
    "lstm-peephole",
    "lstm-nig",
    "lstm-nfg",
    "lstm-nog",
    "lstm-niaf",
    "lstm-noaf",
    "lstm-np",
    "lstm-cifg",
    "lstm-fgr",
    "gru",
    "gru-cho",
    "gru-colah",
    "gru1",
    "gru2",
    "gru3",
    "mgu",
    "mut1",
    "mut2",
    "mut3",
    "slstm",
    "mlstm",
    "mingru",
    "minlstm",
    "rglru",
)
DEFAULT_CELL = "lstm"

# --- model sizes -------------------------------------------------------------------------------------
# Every model the app runs keeps a (window, hidden) trace per quantity, and training keeps (batch × seq-len,
# 4 × hidden) activations: beyond this only memory runs out.
MAX_HIDDEN = 1024
# A random model to look at: 16 units fit the bars and the heatmap at 80x24 (explore, trace, lessons).
VIEW_HIDDEN = 16
# Stacked models: each layer is another full pass per key, and a bidirectional model re-runs every layer
# above its first over the whole window on every key; four layers is deeper than the lessons need.
MAX_LAYERS = 4
MAX_SEED = 2**32 - 1  # NumPy's seed sequences take any non-negative int; this keeps seeds easy to type and store

# --- one run over a text ----------------------------------------------------------------------------
# A run keeps every step: per unit, the gates and states a cell traces and its caches (at most 8 values),
# per vocabulary entry the one-hot input and the predicted distribution (2). Measured: the panel's run
# of 8,192 characters at H=1024 takes 535 MB (10.6 B per traced value); ``trace``'s report holds each
# value as a Python float in lists and then as text, 95 B per value at its peak (T=20,000, H=256, CSV).
# A training step keeps about 24 values per unit and position of its chunk (terms, step buffers, their
# gradients, the output layer's), float32: measured 86-91 B per unit and position (batch 64-512 × seq-len
# 100-200, H = 64-1024).
MAX_RUN_BYTES = 2**30  # what one run may take: a small machine has a few GB
VALUES_PER_UNIT, VALUES_PER_CHARACTER, TRAINING_VALUES_PER_UNIT = 8, 2, 24
ARRAY_BYTES, REPORT_BYTES, TRAINING_BYTES = 8, 100, 4  # per value: float64 arrays; trace's report; float32


def check_run_size(
    length: int,
    hidden: int,
    vocab: int,
    *,
    what: str = "the text",
    bytes_per_value: int = ARRAY_BYTES,
    values_per_unit: int = VALUES_PER_UNIT,
    untraced_values: int = 0,
) -> None:
    """Refuse (UserError), before any work, a run over ``length`` characters of a model with ``hidden``
    units and ``vocab`` characters that would need more than MAX_RUN_BYTES; the message says how long a
    text fits. ``untraced_values``: what the cell keeps per step beyond ``values_per_unit`` per unit, in
    arrays (``Cell.untraced_values_per_step``: mLSTM's d×d memory per head, sLSTM's pre-activations)."""
    per_character = (
        values_per_unit * hidden + VALUES_PER_CHARACTER * vocab
    ) * bytes_per_value + untraced_values * ARRAY_BYTES
    if length * per_character > MAX_RUN_BYTES:
        raise UserError(
            f"{what} of {length:,} characters would need about {length * per_character / 2**30:.1f} GiB "
            f"with {hidden:,} hidden units and {vocab:,} characters; at most {MAX_RUN_BYTES // per_character:,} "
            f"characters fit in {MAX_RUN_BYTES // 2**30} GiB"
        )


# --- the live panel ----------------------------------------------------------------------------------
DEFAULT_WINDOW = 512  # characters the panel's model runs on: a recompute of all of them stays within a frame
MAX_WINDOW = 8192  # with MAX_HIDDEN units, 64 MB per traced quantity
# The input's undo history: a typed word is one step. Each step keeps the text it removed and inserted, so
# a few pastes of megabytes stay affordable; the oldest steps go first.
UNDO_STEPS = 100
UNDO_CHARS = 16 * 2**20
UNDO_WORD = 32  # characters one typed step holds at most (a run without spaces is cut into steps)
RECENT_MODELS = 5  # models a panel keeps aside when it switches (a few 1,024-unit models are ~100 MB)
MAX_SAVED_LISTED = 50  # saved model files the model picker lists (the newest): more is a file picker's job

# --- training ----------------------------------------------------------------------------------------
# ``TrainConfig``'s defaults and ``lstm-tui train``'s: 64 units learn every shipped task in ~1,000 steps.
TRAINING_DEFAULTS = {
    "cell": DEFAULT_CELL,
    "hidden": 64,
    "steps": 1000,
    "seed": 0,
    "batch": 32,
    "seq_len": 50,
    "learning_rate": 0.003,
    "clip": 5.0,
    "layers": 1,
    "bidirectional": False,
}
# The training screen starts smaller, to see a unit appear within a minute on a 2-core machine.
SCREEN_TRAINING_DEFAULTS = {"task": "brackets", "cell": DEFAULT_CELL, "hidden": 32, "steps": 500, "seed": 0}
MAX_STEPS = 100_000  # at ~5 ms a step, a few minutes; more is a job for a GPU, not this app
MAX_BATCH = 4096  # batch × seq-len floats per activation: larger only exhausts memory
MAX_SEQ_LEN = 4096

# --- the gradient lab --------------------------------------------------------------------------------
# The lab pushes all H output directions back at once: a recompute costs H × a backward pass, so it stops
# at 256 units (32 by default: a recompute within a frame or two).
LAB_HIDDEN = 32
LAB_HIDDEN_RANGE = (1, 256)
LAB_LENGTH_RANGE = (10, 1000)  # a random sequence's length
LAB_MAX_TEXT = 1000  # characters of typed text the lab takes (the last ones)
LAB_RADIUS_RANGE = (0.5, 2.0)  # the spectral radius knob
LAB_FORGET_BIAS_RANGE = (-3.0, 5.0)

# --- serve -------------------------------------------------------------------------------------------
SERVE_SESSIONS = 8  # app processes at once by default (--max-sessions); each is a Python process of ~60 MB
MAX_SERVE_SESSIONS = 64
# The largest terminal a browser may ask for: a 4K screen at a small font. An app given 100,000 columns
# grew for minutes after its client left.
MAX_SERVE_COLUMNS, MAX_SERVE_ROWS = 500, 200

# --- the text task ------------------------------------------------------------------------------------
MAX_CORPUS_BYTES = 64 * 2**20  # a text file to learn: a few novels; read whole, so bounded before reading
MAX_TRAIN_VOCAB = 8192  # distinct characters: each is an input column and an output row (a large CJK text fits)

# --- files the app reads -----------------------------------------------------------------------------
MAX_PROGRESS_BYTES = 1 << 20  # some thousand lessons' worth of progress; a larger file is not ours

# --- sampling ----------------------------------------------------------------------------------------
# Each character of a prime or a continuation costs a model step, its logits and a draw: ~0.2 ms for the
# shipped text model on this project's 2-core machine under load, so 20,000 (some ten pages) take ~4 s.
MAX_SAMPLE_CHARS = 20_000
# Above ~10 every character is nearly equally likely; 100 leaves room to show that, and no more.
MAX_TEMPERATURE = 100.0
# A continuation in the panel (Insert): a line's worth, a few ms, and the views still show the typed text.
PANEL_CONTINUATION_CHARS = 40

# --- export-code ---------------------------------------------------------------------------------------
# panel.npz holds (text length × hidden size) numbers per gate and state: 1,000 characters of a 1,024-unit
# LSTM is 6 × 8 MB before compression. A script that reproduces the panel needs a sentence, not a book.
EXPORT_MAX_TEXT = 1000

# --- files the app writes -------------------------------------------------------------------------------
# A new file never replaces one: name, name-2, … name-999, then a message to clear the folder out.
MAX_NEW_NAMES = 999

# --- lessons of your own -----------------------------------------------------------------------------
# The built-in lessons are 5-15 kB each and a page stays under a few hundred lines (Markdown rendering
# grows faster than linearly); a course of 100 such lessons is more than this app's own.
MAX_LESSON_BYTES = 256 * 1024
MAX_LESSONS = 100

# --- recordings --------------------------------------------------------------------------------------
# A minute of typing is a few kB; an hour of it at 5 keys a second is 18,000 events and ~0.5 MB.
MAX_RECORDING_BYTES = 1 << 20
MAX_RECORDING_EVENTS = 20_000
MAX_RECORDING_MS = 24 * 3600 * 1000
# Model steps a replay may take (edits re-run the text from the first changed character): ~30 s at 15 µs.
MAX_REPLAY_STEPS = 2_000_000
