"""Training tasks, generated locally from a seed (no downloads), each with the features its units should track.

* ``brackets``: filler words with nested round brackets. A bracket can only close when one is open, and
  the deeper the nesting the likelier it closes, so predicting ")" pays for knowing the depth.
* ``quotes``: words with quoted spans. Quoted and plain words are drawn alike; a quote opens only before
  a word and closes only after one, so every word boundary pays for remembering whether one is open.
* ``counting``: lines ``aaaa:bbbb`` with as many b's as a's (the language aⁿbⁿ). Hochreiter & Schmidhuber
  (1997) built their long-time-lag tasks (the adding problem among them) on real-valued inputs and
  targets, which a next-character model has neither of; counting keeps their point in characters: after
  ":" the b's and the newline are certain, but only to a model that carried n across the 2n-step lag.
  Gers & Schmidhuber (2001) showed LSTMs learn aⁿbⁿ by counting in a cell.
* ``signal``: a wave written as digit levels 0–9 (a sensor reading, quantised), its period drifting from
  one stretch to the next and a level now and then off by one. Predicting the next level pays for knowing
  which way the wave is going, which the current digit alone does not say. A model of the normal signal
  also flags what does not fit it: a step it gave a low probability (a high loss) is a surprise, the
  prediction-error idea of LSTM anomaly detection (Malhotra et al. 2015).
* ``text``: a character language model of UTF-8 files: the project's own lessons (the command line finds
  them) or any file the user gives.

Fresh text for measuring units comes from a different random stream (generated tasks) or from the last
tenth of the corpus that training never reads (``text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..analysis.units import bracket_depth, inside_quotes
from ..errors import UserError
from ..limits import MAX_CORPUS_BYTES, MAX_TRAIN_VOCAB
from ..model.vocab import Vocabulary
from ..safe_files import read_regular_file

LETTERS = "abcdefghijklmnopqrstuvwxyz"
TRAINING_STREAM, FRESH_STREAM = 0, 1


@dataclass(frozen=True)
class TaskText:
    text: str
    features: dict[str, np.ndarray] = field(default_factory=dict)  # name → value after each character


class Task:
    """A source of training text and fresh text, over a fixed vocabulary."""

    name = "task"
    description = ""
    alphabet = ""
    strip_chars = 0  # > 0: each strip the trainer reads is a text of its own, this long (see train_model)

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.alphabet)

    def features(self, text: str) -> dict[str, np.ndarray]:
        return {}

    def generate(self, rng: np.random.Generator, length: int) -> str:
        raise NotImplementedError

    def training_text(self, length: int, seed: int, strips: int = 1) -> str:
        """``strips`` texts of ``length // strips`` characters, each from its own start, joined."""
        rng = np.random.default_rng([seed, TRAINING_STREAM])
        return "".join(self.generate(rng, length // strips) for _ in range(strips))

    def fresh_text(self, length: int, seed: int) -> TaskText:
        """Text from a stream training never draws from, with its features."""
        text = self.generate(np.random.default_rng([seed, FRESH_STREAM]), length)
        return TaskText(text, self.features(text))


def random_word(rng: np.random.Generator) -> str:
    return "".join(rng.choice(list(LETTERS), size=int(rng.integers(1, 5))))


class BracketsTask(Task):
    name = "brackets"
    description = "nested round brackets in filler words; the feature is the bracket depth"
    alphabet = LETTERS + " ()"
    max_depth = 5

    def generate(self, rng, length):
        parts, size, depth = [], 0, 0
        while size < length:
            roll = rng.random()
            if depth < self.max_depth and roll < 0.25:
                token, depth = "(", depth + 1
            elif depth > 0 and roll < 0.25 + 0.12 * depth:  # the deeper, the likelier it closes
                token, depth = ")", depth - 1
            else:
                token = random_word(rng) + " "
            parts.append(token)
            size += len(token)
        return "".join(parts)[:length]

    def features(self, text):
        return {"depth": bracket_depth(text)}


WORDS = "the old man walked down to a river and sat by tree while his dog slept come here now we must go".split()


class QuotesTask(Task):
    name = "quotes"
    description = "words with quoted spans; the feature is inside-quotes"
    alphabet = "".join(sorted(set("".join(WORDS)))) + ' "'
    switch = 0.3  # chance that a quote opens (or closes) at a word boundary

    def generate(self, rng, length):
        # Quoted and plain words are drawn alike, so only the quote marks tell the two apart: an opening
        # quote follows a space, a closing one follows a letter, and knowing which may come needs the flag.
        parts, size, inside = [], 0, False
        while size < length:
            word = str(rng.choice(WORDS))
            if rng.random() < self.switch:
                token = word + '" ' if inside else '"' + word + " "
                inside = not inside
            else:
                token = word + " "
            parts.append(token)
            size += len(token)
        return "".join(parts)[:length]

    def features(self, text):
        return {"quotes": inside_quotes(text)}


class CountingTask(Task):
    name = "counting"
    description = "lines aⁿ:bⁿ (n = 1…20); the feature is the count still owed (a's minus b's)"
    alphabet = "ab:\n"
    max_count = 20
    # The trainer starts each strip from zero state, as a reader starts a text: short strips that
    # begin at a line start teach the model the first line too (with one long text it met zero state
    # only a few times, and gave "\n" after "aaaaa:bbbbb" at the start of a text 1.7e-06).
    strip_chars = 500

    def generate(self, rng, length):
        parts, size = [], 0
        while size < length:
            n = int(rng.integers(1, self.max_count + 1))
            parts.append("a" * n + ":" + "b" * n + "\n")
            size += 2 * n + 2
        return "".join(parts)[:length]

    def features(self, text):
        owed, values = 0, np.empty(len(text))
        for position, char in enumerate(text):
            owed += {"a": 1, "b": -1}.get(char, 0)
            if char == "\n":
                owed = 0
            values[position] = owed
        return {"count": values}


class TextTask(Task):
    """A corpus read from files: the first nine tenths train, the last tenth is fresh text."""

    name = "text"
    description = "a character language model of a text corpus"
    held_out = 0.1

    def __init__(self, corpus: str, source: str):
        if len(corpus) < 1000:
            raise UserError(f"{source} has {len(corpus)} characters; the text task needs at least 1000")
        self.corpus = corpus
        self.source = source
        self.split = int(len(corpus) * (1.0 - self.held_out))
        self.alphabet = "".join(sorted(set(corpus)))
        if len(self.alphabet) > MAX_TRAIN_VOCAB:
            raise UserError(
                f"{source} has {len(self.alphabet):,} distinct characters; a character model here "
                f"takes at most {MAX_TRAIN_VOCAB:,}"
            )

    def training_text(self, length, seed):
        """The training part of the corpus, repeated to ``length``; the seed picks the starting point."""
        part = self.corpus[: self.split]
        start = int(np.random.default_rng([seed, TRAINING_STREAM]).integers(len(part)))
        repeats = -(-(start + length) // len(part))
        return (part * repeats)[start : start + length]

    def fresh_text(self, length, seed):
        """The held-out tail (at most ``length`` characters); the same whatever the seed."""
        text = self.corpus[self.split :][:length]
        return TaskText(text, self.features(text))


def read_corpus(paths: list[Path]) -> str:
    """The files' text joined by newlines; each must be a regular UTF-8 file of at most MAX_CORPUS_BYTES
    (a FIFO or /dev/zero would block or fill the memory before training could start)."""
    texts = []
    for path in paths:
        try:
            texts.append(read_regular_file(path, MAX_CORPUS_BYTES).decode("utf-8"))
        except UnicodeDecodeError:
            raise UserError(f"{path} is not UTF-8 text") from None
        except OSError as error:
            raise UserError(f"cannot read {path}: {error.strerror or error}") from None
        except ValueError as problem:
            raise UserError(f"cannot learn {path}: it is {problem}") from None
    return "\n".join(texts)


class SignalTask(Task):
    name = "signal"
    description = (
        "a wave written as digit levels 0–9, its period drifting; the features are the level and its direction"
    )
    alphabet = "0123456789"
    periods = (6, 12)  # steps per cycle, drawn anew for every stretch
    stretch = (30, 90)  # steps between changes of period
    slip = 0.05  # chance that a level is read one off (noise)

    def generate(self, rng, length):
        # The phase runs on continuously, so a change of period bends the wave without a jump.
        levels, phase = [], float(rng.uniform(0, 2 * np.pi))
        while len(levels) < length:
            period = int(rng.integers(self.periods[0], self.periods[1] + 1))
            for _ in range(int(rng.integers(*self.stretch))):
                phase += 2 * np.pi / period
                level = int(round(4.5 + 4.5 * np.sin(phase)))
                if rng.random() < self.slip:
                    level += int(rng.choice((-1, 1)))
                levels.append(min(max(level, 0), 9))
        return "".join(map(str, levels[:length]))

    def features(self, text):
        return {"level": signal_levels(text), "rising": signal_rising(text)}


def signal_levels(text: str) -> np.ndarray:
    return np.array([int(char) for char in text], dtype=float)


def signal_rising(text: str) -> np.ndarray:
    """1 after a step up until the next step down, 0 after a step down (0 before the first change)."""
    values, rising, previous = np.empty(len(text)), 0.0, None
    for position, char in enumerate(text):
        level = int(char)
        if previous is not None and level != previous:
            rising = float(level > previous)
        values[position], previous = rising, level
    return values


GENERATED = {task.name: task for task in (BracketsTask(), QuotesTask(), CountingTask(), SignalTask())}
TASK_NAMES = (*GENERATED, TextTask.name)


def get_task(name: str, corpus_files: list[Path] | None = None, source: str = "") -> Task:
    """A task by name; ``text`` learns the UTF-8 ``corpus_files`` (joined by newlines), called ``source``."""
    if name in GENERATED:
        return GENERATED[name]
    if name == TextTask.name:
        if not corpus_files:
            raise UserError("the text task needs at least one corpus file")
        return TextTask(read_corpus(corpus_files), source or ", ".join(map(str, corpus_files)))
    raise UserError(f"unknown task {name!r}; choose one of: {', '.join(TASK_NAMES)}")
