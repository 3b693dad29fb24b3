"""Characters in, traces out: one-hot inputs, unknown characters, the tabulated per-keystroke path."""

import numpy as np
import pytest

from lstm_tui.model import CELLS, PRINTABLE_ASCII, CharModel, Vocabulary


def test_printable_ascii_vocabulary():
    assert len(PRINTABLE_ASCII) == 96
    assert Vocabulary(PRINTABLE_ASCII).chars == "".join(sorted(PRINTABLE_ASCII))


def test_vocabulary_is_sorted_and_distinct():
    assert Vocabulary("cab").chars == "abc"
    with pytest.raises(ValueError):
        Vocabulary("aab")
    with pytest.raises(ValueError):
        Vocabulary("")


def test_unknown_character_is_the_zero_vector_and_flagged():
    vocab = Vocabulary("ab")
    np.testing.assert_array_equal(vocab.one_hot("aéb"), [[1, 0], [0, 0], [0, 1]])
    model = CharModel.random("lstm", 4, vocab="ab")
    result = model.step("é")
    assert not result.in_vocab
    assert model.step("a").in_vocab
    assert list(model.run("aéb").in_vocab) == [True, False, True]


@pytest.mark.parametrize("name", sorted(CELLS))
def test_tabulated_steps_equal_the_sequence_forward(name):
    text = "hello, wörld\x1b\n"
    model = CharModel.random(name, 6, seed=3, output_layer=True)
    run = model.run(text)
    state = None
    for t, char in enumerate(text):
        step = model.step(char, state)
        state = step.state
        for key, value in step.trace.items():
            np.testing.assert_allclose(run.forward.trace[key][t], value, rtol=0, atol=1e-15)
        np.testing.assert_allclose(run.probabilities[t], step.probabilities, atol=1e-15)


def test_empty_text():
    run = CharModel.random("lstm", 4).run("")
    assert run.forward.trace == {} and len(run.in_vocab) == 0


def test_predictions_are_a_distribution():
    model = CharModel.random("gru" if "gru" in CELLS else "lstm", 8, output_layer=True)
    step = model.step("a")
    assert step.probabilities.shape == (96,)
    assert abs(step.probabilities.sum() - 1) < 1e-12
    top = model.top_predictions(step.probabilities)
    assert len(top) == 5 and top[0][1] >= top[-1][1]
    assert top[0][1] == pytest.approx(step.probabilities.max())


def test_params_changed_rebuilds_the_table():
    model = CharModel.random("lstm", 4)
    before = model.step("a").trace["f"].copy()
    model.cell.params["bias_ih"][4:8] += 3.0
    model.params_changed()
    assert np.all(model.step("a").trace["f"] > before)


@pytest.mark.parametrize("name", CELLS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_input_table_gathers_exactly_what_the_identity_product_gives(name, dtype):
    model = CharModel.random(name, 5, seed=2, vocab="abcdefg", dtype=dtype)
    size = len(model.vocab)
    identity_rows = np.vstack([np.eye(size), np.zeros((1, size))]).astype(dtype)
    np.testing.assert_array_equal(model.input_table(), model.cell.input_terms(identity_rows))
    assert model.input_table().dtype == model.cell.dtype
    # the trainer's input half: gradients from the table's rows equal those through the identity
    d_terms = np.random.default_rng(0).standard_normal((size, model.cell.terms_size())).astype(dtype)
    gathered = {key: np.zeros_like(value) for key, value in model.cell.params.items()}
    multiplied = {key: np.zeros_like(value) for key, value in model.cell.params.items()}
    model.cell.one_hot_terms_backward(d_terms, gathered)
    model.cell.input_terms_backward(identity_rows[:size], d_terms, multiplied)
    for key in gathered:
        np.testing.assert_array_equal(gathered[key], multiplied[key], err_msg=key)


def test_a_vocabulary_of_fifty_thousand_characters_allocates_no_square_table():
    import tracemalloc

    chars = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 50_000))  # CJK and beyond: 50,000 code points
    model = CharModel.random("lstm", 2, vocab=chars)
    tracemalloc.start()
    try:
        table = model.input_table()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.shape == (50_001, 8)
    assert peak < 20 * 2**20  # the table is 3 MB; an identity would be 50,000² floats (20 GB)
    assert model.step(chars[123]).in_vocab


def test_a_stacked_bidirectional_model_allocates_no_square_table():
    """Each direction's first layer gathers its table from weight columns in a whole run and a live run;
    an identity product would take 8,192² floats (512 MB)."""
    from lstm_tui.model.charmodel import LiveRun
    from tests.helpers import WIDE_VOCAB, peak_bytes

    model = CharModel.random("lstm", 4, vocab=WIDE_VOCAB, num_layers=2, bidirectional=True, output_layer=True)
    text = WIDE_VOCAB[:40]

    def live():
        run = LiveRun(model, 64)
        run.set_text(text[:-1])
        run.set_text(text)
        run.result()

    for work in (lambda: model.run(text), live):
        assert peak_bytes(work) < 64 * 2**20  # measured ~12 MB: the one-hot inputs and distributions, T × V
