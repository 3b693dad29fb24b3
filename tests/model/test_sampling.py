"""Sampling: the same seed gives the same text; temperature and top-k shape the draws as defined."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_tui.errors import UserError
from lstm_tui.limits import MAX_SAMPLE_CHARS
from lstm_tui.model import CharModel
from lstm_tui.model.numerics import softmax
from lstm_tui.model.sampling import Sampler, SamplingSettings, sample, step_over
from lstm_tui.training.shipped import load_shipped


@pytest.fixture(scope="module")
def text_model():
    return load_shipped("text")


def test_the_same_seed_gives_the_same_text(text_model):
    settings = SamplingSettings(temperature=0.8, seed=1)
    first = sample(text_model, "The ", 200, settings)
    assert len(first.text) == 200 and set(first.text) <= set(text_model.vocab.chars)
    assert sample(text_model, "The ", 200, settings).text == first.text
    assert sample(text_model, "The ", 200, SamplingSettings(temperature=0.8, seed=2)).text != first.text


def test_a_longer_sample_begins_with_the_shorter_one(text_model):
    """One draw per character from one stream: asking for more never changes what came before."""
    settings = SamplingSettings(temperature=1.0, top_k=10, seed=5)
    assert sample(text_model, "A", 120, settings).text.startswith(sample(text_model, "A", 40, settings).text)


def test_temperature_zero_takes_the_likeliest_character_each_step(text_model):
    text = sample(text_model, "The gate ", 60, SamplingSettings(temperature=0)).text
    probabilities = text_model.run("The gate " + text).probabilities
    for t, char in enumerate(text):
        row = probabilities[len("The gate ") - 1 + t]
        assert text_model.vocab.chars[int(np.argmax(row))] == char
    assert sample(text_model, "The gate ", 60, SamplingSettings(temperature=1.3, top_k=1, seed=9)).text == text


def test_top_k_draws_only_among_the_k_likeliest(text_model):
    prime, k = "In the ", 3
    text = sample(text_model, prime, 150, SamplingSettings(temperature=2.0, top_k=k, seed=4)).text
    probabilities = text_model.run(prime + text).probabilities
    ranks = []
    for t, char in enumerate(text):
        order = np.argsort(-probabilities[len(prime) - 1 + t], kind="stable")
        ranks.append(int(np.flatnonzero(order == text_model.vocab.index(char))[0]))
    assert max(ranks) < k
    assert max(ranks) == k - 1  # at temperature 2 the third choice does come up


def test_draws_follow_softmax_of_logits_over_temperature():
    logits = np.array([2.0, 1.0, 0.0, -1.0, 0.5])
    for temperature in (0.5, 1.0, 2.0):
        sampler = Sampler(SamplingSettings(temperature=temperature, seed=11))
        draws = np.array([sampler.draw(logits) for _ in range(20_000)])
        frequencies = np.bincount(draws, minlength=5) / draws.size
        expected = softmax(logits / temperature)
        np.testing.assert_allclose(sampler.distribution(logits), expected, rtol=1e-12)
        np.testing.assert_allclose(frequencies, expected, atol=0.012)


def test_top_k_renormalises_over_the_kept_characters():
    logits = np.array([0.0, 3.0, 1.0, 3.0, -2.0])
    distribution = Sampler(SamplingSettings(top_k=2)).distribution(logits)
    np.testing.assert_allclose(distribution, [0, 0.5, 0, 0.5, 0])
    assert Sampler(SamplingSettings(top_k=99)).distribution(logits) == pytest.approx(softmax(logits))


def test_a_tiny_temperature_is_greedy_without_warnings():
    logits = np.array([1.0, 1.0 + 1e-9, -5.0])
    with np.errstate(all="raise"):
        assert Sampler(SamplingSettings(temperature=1e-300)).distribution(logits).tolist() == [0.0, 1.0, 0.0]


def test_the_prime_is_stepped_as_the_panel_steps(text_model):
    state = step_over(text_model, "abc")
    expected = None
    for char in "abc":
        expected = text_model.step(char, expected).state
    for name in state:
        assert np.array_equal(state[name], expected[name])


def test_an_empty_prime_starts_from_the_zero_state():
    model = CharModel.random("gru", 8, seed=2, output_layer=True)
    settings = SamplingSettings(temperature=0)
    first = model.vocab.chars[int(np.argmax(model.logits(model.init_state()["h"])))]
    assert sample(model, "", 5, settings).text[0] == first


@pytest.mark.parametrize(
    "settings, message",
    [
        (SamplingSettings(temperature=float("nan")), "temperature must be a number from 0 to 100"),
        (SamplingSettings(temperature=float("inf")), "temperature"),
        (SamplingSettings(temperature=-0.1), "temperature"),
        (SamplingSettings(temperature=100.5), "temperature"),
        (SamplingSettings(top_k=0), "top-k must be a whole number of at least 1"),
        (SamplingSettings(top_k=2.5), "top-k"),
        (SamplingSettings(seed=-1), "seed"),
    ],
)
def test_bad_settings_are_one_line_errors(settings, message):
    model = CharModel.random("lstm", 4, output_layer=True)
    with pytest.raises(UserError, match=message):
        sample(model, "a", 10, settings)


def test_lengths_are_bounded_before_any_step():
    model = CharModel.random("lstm", 4, output_layer=True)
    for length in (-1, MAX_SAMPLE_CHARS + 1):
        with pytest.raises(UserError, match="length must be a whole number"):
            sample(model, "", length)
    with pytest.raises(UserError, match="the prime is"):
        sample(model, "a" * (MAX_SAMPLE_CHARS + 1), 1)
    assert sample(model, "ab", 0).text == ""


def test_a_model_without_an_output_layer_is_refused():
    with pytest.raises(UserError, match="has no output layer"):
        sample(CharModel.random("lstm", 4), "a", 5)


def test_a_stacked_model_samples_from_its_top_layer():
    model = CharModel.random("gru", 6, seed=4, vocab="abc ", output_layer=True, num_layers=3)
    text = sample(model, "ab", 30, SamplingSettings(temperature=0)).text
    probabilities = model.run("ab" + text).probabilities
    assert [model.vocab.chars[int(np.argmax(row))] for row in probabilities[1:-1]] == list(text)


def test_a_bidirectional_model_is_refused():
    with pytest.raises(UserError, match="is bidirectional: its predictions read the text from both ends"):
        sample(CharModel.random("lstm", 4, output_layer=True, bidirectional=True), "a", 5)
