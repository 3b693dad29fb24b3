import threading

import numpy as np
import pytest

from lstm_tui.errors import UserError
from lstm_tui.model.charmodel import CharModel
from lstm_tui.model.numerics import uniform_init
from lstm_tui.model.registry import CELLS, build_cell
from lstm_tui.model.stack import layer_suffix
from lstm_tui.model.vocab import Vocabulary
from lstm_tui.training.shipped import RECIPES, best_unit, train_task
from lstm_tui.training.tasks import TASK_NAMES, get_task
from lstm_tui.training.trainer import (
    Adam,
    ChunkStream,
    TrainConfig,
    Trainer,
    clip_gradients,
    evaluate,
    first_top_is,
    new_model,
    scatter_rows,
    softmax_cross_entropy,
)


def float64_model(cell_name, vocab, hidden, seed=0):
    cell = build_cell(cell_name, len(vocab), hidden, seed=seed)
    rng = np.random.default_rng(seed + 1)
    output = {
        "weight_out": uniform_init(rng, (len(vocab), hidden), hidden, np.float64),
        "bias_out": rng.uniform(-0.1, 0.1, len(vocab)),
    }
    return CharModel(cell, vocab, output)


def dense_loss_and_grads(model, state, inputs, targets):
    """The same chunk through the core's own forward/backward on one-hot inputs (no row gather)."""
    one_hot = np.eye(len(model.vocab))[inputs]
    result = model.cell.forward(one_hot, state)
    h = result.trace["h"]
    logits = model.logits(h)  # (T, B, V); the loss takes one column per position
    loss, _, d_logits = softmax_cross_entropy(logits.reshape(-1, logits.shape[-1]).T, targets)
    d_logits = d_logits.T.reshape(logits.shape)
    grads, _, _ = model.cell.backward(result, dh=d_logits @ model.output["weight_out"])
    grads["weight_out"] = np.einsum("tbv,tbh->vh", d_logits, h)
    grads["bias_out"] = d_logits.sum(axis=(0, 1))
    return loss, grads


@pytest.mark.parametrize(
    "cell_name", ["lstm", "rnn", "lstm-peephole", "lstm-fgr", "slstm", "mlstm", "mingru", "minlstm", "rglru"]
)
def test_row_gather_gradients_equal_the_dense_core_path(cell_name, rng):
    vocab = Vocabulary("abcde")
    model = float64_model(cell_name, vocab, hidden=6)
    trainer = Trainer(model, TrainConfig(cell=cell_name, hidden=6))
    inputs, targets = rng.integers(0, 5, (7, 3)), rng.integers(0, 5, (7, 3))
    trainer.state = {name: rng.uniform(-0.5, 0.5, value.shape) for name, value in model.cell.init_state((3,)).items()}
    expected_loss, expected = dense_loss_and_grads(model, trainer.state, inputs, targets)
    loss, _, grads = trainer.gradients(inputs, targets)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert set(grads) == set(expected)
    for name in expected:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_gradients_match_finite_differences(rng):
    vocab = Vocabulary("xyz")
    model = float64_model("lstm", vocab, hidden=4)
    trainer = Trainer(model, TrainConfig(hidden=4))
    inputs, targets = rng.integers(0, 3, (5, 2)), rng.integers(0, 3, (5, 2))
    entries = (("weight_ih", (5, 1)), ("weight_hh", (9, 2)), ("bias_hh", (3,)), ("weight_out", (2, 0)))
    assert_gradients_match_finite_differences(trainer, inputs, targets, entries, rel=1e-5, abs=1e-9)


def assert_gradients_match_finite_differences(trainer, inputs, targets, entries, rel, abs):
    """Each (parameter, index) of the trainer's gradients against a central difference of its loss."""
    _, _, grads = trainer.gradients(inputs, targets)
    params = trainer.all_params()
    for name, index in entries:
        original = params[name][index]
        losses = []
        for delta in (1e-6, -1e-6):
            params[name][index] = original + delta
            trainer.reset_state()
            trainer.model.params_changed()
            losses.append(trainer.gradients(inputs, targets)[0])
        params[name][index] = original
        trainer.reset_state()
        assert grads[name][index] == pytest.approx((losses[0] - losses[1]) / 2e-6, rel=rel, abs=abs), name


def test_scatter_rows_is_the_transpose_of_a_row_gather(rng):
    values = rng.normal(size=(4, 3, 2))
    indices = np.array([[0, 2, 2], [2, 0, 0], [4, 4, 2], [0, 0, 0]])
    expected = np.zeros((5, 2))
    np.add.at(expected, indices.ravel(), values.reshape(-1, 2))
    np.testing.assert_allclose(scatter_rows(values, indices, 5), expected)
    assert not scatter_rows(values, indices, 5)[[1, 3]].any()  # characters that never occur get no gradient


def test_first_top_is_argmax_down_the_columns_ties_included(rng):
    scores = rng.integers(0, 3, (7, 400)).astype(np.float32)  # three values among seven classes: many ties
    targets = rng.integers(0, 7, 400)
    hits = first_top_is(scores, targets)
    np.testing.assert_array_equal(hits, scores.argmax(axis=0) == targets)
    assert 0 < hits.sum() < len(hits)


def test_loss_and_gradient_of_class_first_logits_match_the_formulas(rng):
    logits, targets = rng.normal(size=(5, 8)), rng.integers(0, 5, 8)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=0)
    loss, accuracy, d_logits = softmax_cross_entropy(logits.copy(), targets)
    assert loss == pytest.approx(-np.mean(np.log(probabilities[targets, np.arange(8)])), rel=1e-12)
    assert accuracy == np.mean(logits.argmax(axis=0) == targets)
    np.testing.assert_allclose(d_logits, (probabilities - np.eye(5)[:, targets]) / 8, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_forward_from_prepared_terms_equals_forward_from_inputs(name, rng):
    cell = build_cell(name, 4, 3, seed=1)
    inputs = rng.normal(size=(5, 2, 4))
    expected = cell.forward(inputs)
    prepared = cell.prepare_terms(cell.input_terms(inputs))
    result = cell.forward(inputs, terms=prepared, terms_prepared=True)
    for key, value in expected.trace.items():
        np.testing.assert_array_equal(result.trace[key], value, err_msg=key)


def test_inputs_outside_the_vocabulary_are_refused():
    vocab = Vocabulary("abc")
    config = TrainConfig(hidden=4, batch=2, seq_len=3)
    trainer = Trainer(new_model(vocab, config), config)
    for bad in (3, -1):
        inputs = np.zeros((3, 2), dtype=int)
        inputs[1, 1] = bad
        with pytest.raises(ValueError, match="vocabulary indices, 0 to 2"):
            trainer.gradients(inputs, np.zeros((3, 2), dtype=int))


def test_adam_matches_the_algorithm_written_out():
    params = {"w": np.array([1.0, -2.0, 0.5])}
    adam = Adam(params, learning_rate=0.1)
    gradients = [np.array([0.5, -1.0, 0.0]), np.array([0.2, 3.0, -1.0]), np.array([-0.4, 0.1, 2.0])]
    m = v = np.zeros(3)
    expected = params["w"].copy()
    for t, g in enumerate(gradients, start=1):
        adam.update(params, {"w": g})
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected = expected - 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        np.testing.assert_allclose(params["w"], expected, rtol=1e-12)
    # The first step moves every parameter with a gradient by about the learning rate, against the gradient.
    fresh = {"w": np.zeros(2)}
    Adam(fresh, 0.01).update(fresh, {"w": np.array([1e-3, -50.0])})
    np.testing.assert_allclose(fresh["w"], [-0.01, 0.01], rtol=1e-4)


@pytest.mark.torch
def test_adam_matches_torch():
    torch = pytest.importorskip("torch")
    start = np.array([[1.0, -2.0], [0.5, 3.0]])
    params = {"w": start.copy()}
    adam = Adam(params, learning_rate=0.05)
    weight = torch.tensor(start, requires_grad=True)
    reference = torch.optim.Adam([weight], lr=0.05)
    for step in range(5):
        grad = np.sin(start * (step + 1))
        adam.update(params, {"w": grad})
        weight.grad = torch.tensor(grad)
        reference.step()
    np.testing.assert_allclose(params["w"], weight.detach().numpy(), rtol=1e-10)


def test_clipping_scales_all_gradients_together_and_only_when_needed():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [4.0]])}  # joint norm 5
    assert clip_gradients(grads, 10.0) == pytest.approx(5.0)
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])
    assert clip_gradients(grads, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(grads["a"], [0.6, 0.0])
    np.testing.assert_allclose(grads["b"], [[0.0], [0.8]])


def test_clipping_bounds_the_update_of_a_huge_gradient():
    vocab = Vocabulary("ab")
    model = float64_model("rnn", vocab, hidden=3)
    trainer = Trainer(model, TrainConfig(cell="rnn", hidden=3, clip=1e-3, learning_rate=0.1))
    inputs = np.zeros((4, 2), dtype=int)
    _, _, grads = trainer.gradients(inputs, inputs)
    assert np.sqrt(sum((g * g).sum() for g in grads.values())) > 1e-3  # so the clip below really acts
    norm = clip_gradients(grads, 1e-3)
    assert norm > 1e-3
    assert np.sqrt(sum((g * g).sum() for g in grads.values())) == pytest.approx(1e-3)


def test_loss_decreases_on_a_repeating_pattern():
    vocab = Vocabulary("abcd")
    config = TrainConfig(hidden=8, steps=120, batch=4, seq_len=12, learning_rate=0.02, report_every=10, seed=3)
    model = new_model(vocab, config)
    stream = ChunkStream(vocab.indices("abcdcba" * 400), config.batch, config.seq_len)
    result = Trainer(model, config).run(stream, config.steps)
    assert result.history[0].loss > 1.0  # starts near log 4 ≈ 1.39
    assert result.history[-1].loss < 0.1  # the pattern is deterministic once two characters are known
    loss, accuracy = evaluate(model, "abcdcba" * 20)
    assert loss < 0.3 and accuracy > 0.9


@pytest.mark.parametrize("name", ["slstm", "mlstm", "mingru", "minlstm", "rglru"])
def test_the_modern_cells_learn_a_repeating_pattern(name):
    vocab = Vocabulary("abcd")
    config = TrainConfig(cell=name, hidden=8, steps=150, batch=4, seq_len=12, learning_rate=0.02, seed=3)
    model = new_model(vocab, config)
    result = Trainer(model, config).run(ChunkStream(vocab.indices("abcdcba" * 400), 4, 12), config.steps)
    assert result.history[0].loss > 1.0
    loss, accuracy = evaluate(model, "abcdcba" * 20)
    assert loss < 0.5 and accuracy > 0.8, (loss, accuracy)


def test_training_is_float32_and_seeded():
    task = get_task("counting")
    config = TrainConfig(hidden=6, steps=15, batch=4, seq_len=10, seed=7)
    first, second = train_task(task, config), train_task(task, config)
    other = train_task(task, TrainConfig(hidden=6, steps=15, batch=4, seq_len=10, seed=8))
    for name, value in first.model.cell.params.items():
        assert value.dtype == np.float32
        np.testing.assert_array_equal(value, second.model.cell.params[name])
    np.testing.assert_array_equal(first.model.output["weight_out"], second.model.output["weight_out"])
    assert not np.array_equal(first.model.cell.params["weight_hh"], other.model.cell.params["weight_hh"])
    assert first.meta["fresh_loss"] == second.meta["fresh_loss"]


def test_stop_flag_ends_training_and_the_model_is_still_measured():
    stop = threading.Event()
    seen = []

    def on_progress(progress):
        seen.append(progress.step)
        if progress.step >= 6:
            stop.set()

    config = TrainConfig(hidden=4, steps=1000, batch=2, seq_len=8, report_every=3)
    run = train_task(get_task("brackets"), config, on_progress, stop)
    assert run.result.stopped and run.result.steps_done == 6
    assert seen == [3, 6]
    assert run.meta["stopped_early"] and run.meta["steps"] == 6 and run.meta["steps_planned"] == 1000
    assert np.isfinite(run.meta["fresh_loss"])


def test_progress_reports_rate_and_eta():
    reports = []
    config = TrainConfig(hidden=4, steps=9, batch=2, seq_len=8, report_every=4)
    train_task(get_task("quotes"), config, reports.append)
    assert [report.step for report in reports] == [4, 8, 9]
    assert all(report.steps == 9 and report.steps_per_second > 0 for report in reports)
    assert reports[-1].eta_seconds == 0 and reports[0].eta_seconds > 0


def test_state_is_carried_between_chunks_and_reset_when_the_strips_restart():
    vocab = Vocabulary("ab")
    stream = ChunkStream(np.arange(2 * 25) % 2, batch=2, seq_len=10)
    restarts = [stream.next()[2] for _ in range(4)]
    assert restarts == [False, False, True, False]  # strips of 25: chunks at 0, 10, then 20 + 11 > 25
    trainer = Trainer(new_model(vocab, TrainConfig(hidden=3)), TrainConfig(hidden=3))
    trainer.train_step(*stream.next()[:2])
    assert np.abs(trainer.state["c"]).sum() > 0


def test_bad_settings_are_user_errors():
    with pytest.raises(UserError, match="steps"):
        TrainConfig(steps=0).check()
    for value in (-1, 0.0, float("inf"), float("nan")):  # an infinite rate trained to NaN weights: nothing to save
        with pytest.raises(UserError, match="--lr must be a positive finite number"):
            TrainConfig(learning_rate=value).check()
    with pytest.raises(UserError, match="--clip must be a positive finite number, not inf"):
        TrainConfig(clip=float("inf")).check()
    with pytest.raises(UserError, match="needs at least"):
        ChunkStream(np.zeros(30, dtype=int), batch=4, seq_len=10)
    with pytest.raises(UserError, match="unknown task 'nope'; choose one of: " + ", ".join(TASK_NAMES)):
        get_task("nope")
    with pytest.raises(UserError, match="the text task needs at least one corpus file"):
        get_task("text")


def test_reduced_brackets_recipe_learns_a_depth_unit():
    """The shipped brackets recipe at a tenth of its steps already grows a unit that follows depth."""
    recipe = RECIPES["brackets"]
    config = TrainConfig(
        recipe.cell,
        recipe.hidden,
        steps=recipe.steps // 10,
        seed=recipe.seed,
        learning_rate=recipe.learning_rate,
        report_every=50,
    )
    task = get_task("brackets")
    run = train_task(task, config)
    _, counts = np.unique(list(task.fresh_text(5000, seed=1).text), return_counts=True)
    frequencies = counts / counts.sum()
    unigram_entropy = -(frequencies * np.log(frequencies)).sum()  # the loss of knowing letter frequencies only
    assert run.meta["fresh_loss"] < unigram_entropy - 0.3
    assert abs(best_unit(run.meta, "depth")["correlation"]) >= 0.8


@pytest.mark.parametrize("name", ["brackets", "quotes", "counting"])
def test_generated_tasks_are_seeded_in_vocabulary_and_fresh_text_is_another_stream(name):
    task = get_task(name)
    training = task.training_text(3000, seed=5)
    assert len(training) == 3000 and set(training) <= set(task.vocabulary().chars)
    assert training == task.training_text(3000, seed=5) != task.training_text(3000, seed=6)
    fresh = task.fresh_text(3000, seed=5)
    assert fresh.text != training and set(fresh.text) <= set(task.vocabulary().chars)
    assert all(values.shape == (3000,) for values in fresh.features.values()) and fresh.features


def test_task_texts_follow_their_rules():
    brackets = get_task("brackets").fresh_text(20000, seed=0)
    depth = brackets.features["depth"]
    assert depth.min() == 0 and depth.max() == get_task("brackets").max_depth
    quotes = get_task("quotes").fresh_text(20000, seed=0).text
    assert all(quotes[k - 1] in ' "' or quotes[k + 1] == " " for k in range(1, len(quotes) - 1) if quotes[k] == '"')
    for line in get_task("counting").fresh_text(20000, seed=0).text.split("\n")[:-1]:
        a_part, b_part = line.split(":")
        assert set(a_part) == {"a"} and b_part == "b" * len(a_part) and len(a_part) <= 20


def test_the_text_task_trains_on_the_first_nine_tenths_only(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("ab" * 900 + "cd" * 100, encoding="utf-8")
    task = get_task("text", [corpus])
    assert task.vocabulary().chars == "abcd"
    assert set(task.training_text(10000, seed=0)) == {"a", "b"}
    assert task.fresh_text(5000, seed=0).text == "cd" * 100


def test_sampling_while_training_leaves_the_run_unchanged():
    """tools/training_samples.py draws samples from the model between steps: the run must stay the one
    `lstm-tui train` makes, so the last sample is the shipped model's."""
    from lstm_tui.model.sampling import SamplingSettings, sample
    from lstm_tui.training.shipped import train_task
    from lstm_tui.training.tasks import get_task
    from lstm_tui.training.trainer import new_model

    task = get_task("brackets")
    config = TrainConfig(hidden=8, steps=40, batch=4, seq_len=10, report_every=10)
    plain = train_task(task, config).model
    watched = new_model(task.vocabulary(), config)
    samples = []
    train_task(
        task,
        config,
        lambda progress: samples.append(sample(watched, "(", 20, SamplingSettings(seed=3)).text),
        model=watched,
    )
    assert len(samples) == 4 and len(set(samples)) > 1  # the model changed between looks
    for name, value in plain.cell.params.items():
        assert np.array_equal(watched.cell.params[name], value)
    assert samples[-1] == sample(plain, "(", 20, SamplingSettings(seed=3)).text


# --- stacked and bidirectional models ----------------------------------------------------------------------
def float64_stacked_model(cell_name, vocab, hidden, layers, bidirectional, seed=0):
    model = CharModel.random(
        cell_name, hidden, seed, vocab, output_layer=True, num_layers=layers, bidirectional=bidirectional
    )
    model.output["bias_out"] += np.random.default_rng(seed + 1).uniform(-0.1, 0.1, len(vocab))
    return model


def dense_stack_loss_and_grads(model, state, inputs, targets):
    """A chunk through ``Stack.forward``/``Stack.backward`` on one-hot inputs (no row gather, no scatter)."""
    stack = model.stack
    result = stack.forward(np.eye(len(model.vocab))[inputs], state)
    y = result.output
    logits = model.logits(y)
    loss, _, d_logits = softmax_cross_entropy(logits.reshape(-1, logits.shape[-1]).T, targets)
    d_logits = d_logits.T.reshape(logits.shape)
    grads, _, _ = stack.backward(result, dy=d_logits @ model.output["weight_out"])
    flat = {
        name + stack_suffix: g
        for name, g, stack_suffix in (
            (name, g, "" if (k, d) == (0, 0) else layer_suffix(k, d))
            for k, layer in enumerate(grads)
            for d, cell in enumerate(layer)
            for name, g in cell.items()
        )
    }
    flat["weight_out"] = np.einsum("tbv,tbh->vh", d_logits, y)
    flat["bias_out"] = d_logits.sum(axis=(0, 1))
    return loss, flat


@pytest.mark.parametrize("layers, bidirectional", [(2, False), (1, True), (3, True)])
@pytest.mark.parametrize("cell_name", ["lstm", "rnn", "gru", "lstm-fgr"])
def test_stacked_row_gather_gradients_equal_the_dense_core_path(cell_name, layers, bidirectional, rng):
    vocab = Vocabulary("abcde")
    model = float64_stacked_model(cell_name, vocab, 5, layers, bidirectional)
    config = TrainConfig(cell=cell_name, hidden=5, layers=layers, bidirectional=bidirectional)
    trainer = Trainer(model, config)
    inputs, targets = rng.integers(0, 5, (7, 3)), rng.integers(0, 5, (7, 3))
    trainer.state = tuple(
        tuple({n: rng.uniform(-0.5, 0.5, v.shape) for n, v in s.items()} for s in layer)
        for layer in model.stack.init_state((3,))
    )
    expected_loss, expected = dense_stack_loss_and_grads(model, trainer.state, inputs, targets)
    loss, _, grads = trainer.gradients(inputs, targets)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert set(grads) == set(expected) == set(trainer.all_params())
    for name in expected:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_stacked_gradients_match_finite_differences(rng):
    model = float64_stacked_model("gru", Vocabulary("xyz"), 3, layers=2, bidirectional=True)
    trainer = Trainer(model, TrainConfig(hidden=3, layers=2, bidirectional=True))
    inputs, targets = rng.integers(0, 3, (5, 2)), rng.integers(0, 3, (5, 2))
    entries = (
        ("weight_ih", (1, 2)),
        ("weight_ih_l0_reverse", (4, 0)),
        ("weight_hh_l1", (2, 1)),
        ("bias_hh_l1_reverse", (7,)),
        ("weight_out", (2, 5)),
    )
    assert_gradients_match_finite_differences(trainer, inputs, targets, entries, rel=1e-6, abs=1e-10)


def test_reverse_direction_restarts_every_chunk():
    vocab = Vocabulary("ab")
    config = TrainConfig(hidden=3, layers=2, bidirectional=True)
    trainer = Trainer(new_model(vocab, config), config)
    stream = ChunkStream(np.arange(2 * 25) % 2, batch=2, seq_len=10)
    trainer.train_step(*stream.next()[:2])
    for forward, reverse in trainer.state:
        assert np.abs(forward["c"]).sum() > 0
        assert not reverse["c"].any() and not reverse["h"].any()


def test_a_bidirectional_model_reads_the_next_character_from_the_future():
    """On fresh uniformly random text no model that only looks back can beat ln V nats per character; a
    bidirectional one can, because its reverse direction has already read the target."""
    vocab = Vocabulary("abcd")
    rng = np.random.default_rng(3)
    training, fresh = rng.integers(0, 4, 20 * 41), "".join(rng.choice(list("abcd"), 400))
    losses = {}
    for bidirectional in (False, True):
        config = TrainConfig(hidden=8, batch=20, seq_len=40, learning_rate=0.03, bidirectional=bidirectional)
        trainer = Trainer(new_model(vocab, config), config)
        trainer.run(ChunkStream(training, config.batch, config.seq_len), 150)
        losses[bidirectional] = evaluate(trainer.model, fresh)[0]
    assert losses[False] > 0.97 * np.log(4)
    assert losses[True] < 0.5 * np.log(4)


def test_a_training_step_of_a_wide_vocabulary_allocates_no_square_table():
    """The trainer's table path, stacked and bidirectional: 8,192 characters (the text task's most) cost
    8,192 × terms floats per direction, never 8,192² (256 MB in float32)."""
    from tests.helpers import WIDE_VOCAB, peak_bytes

    config = TrainConfig(hidden=4, batch=2, seq_len=5, layers=2, bidirectional=True)
    trainer = Trainer(new_model(Vocabulary(WIDE_VOCAB), config), config)
    indices = np.arange(12).reshape(6, 2) * 700  # (seq_len + 1, batch) rows spread over the vocabulary
    assert peak_bytes(lambda: trainer.train_step(indices[:-1], indices[1:])) < 64 * 2**20  # measured ~10 MB
