import re

import numpy as np
import pytest

from lstm_tui.analysis.units import (
    bracket_depth,
    column,
    correlations,
    feature_values,
    inside_quotes,
    is_vowel,
    is_whitespace,
    rank_units,
    regex_matches,
)
from lstm_tui.errors import UserError
from lstm_tui.training.shipped import (
    FRESH_CHARS,
    MODELS_DIR,
    best_unit,
    find_interpretable_units,
    list_shipped,
    load_shipped,
    load_shipped_card,
)
from lstm_tui.training.tasks import get_task
from lstm_tui.training.trainer import evaluate

# --- features ---------------------------------------------------------------------------------------


def test_bracket_depth_after_each_character():
    np.testing.assert_array_equal(bracket_depth("a(b[c]){)}x)"), [0, 1, 1, 2, 2, 1, 0, 1, 0, 0, 0, 0])


def test_inside_quotes_from_the_opening_quote_up_to_the_closing_one():
    np.testing.assert_array_equal(inside_quotes('a "bc" d"'), [0, 0, 1, 1, 1, 0, 0, 0, 1])


def test_column_counts_characters_since_the_newline():
    np.testing.assert_array_equal(column("ab\ncde\n\nf"), [1, 2, 0, 1, 2, 3, 0, 0, 1])


def test_vowel_and_whitespace():
    np.testing.assert_array_equal(is_vowel("bAt e!"), [0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(is_whitespace("a b\tc\n"), [0, 1, 0, 1, 0, 1])


def test_regex_marks_every_character_of_every_match():
    np.testing.assert_array_equal(regex_matches("xaab ab", "a+b"), [0, 1, 1, 1, 0, 1, 1])
    np.testing.assert_array_equal(feature_values("abc", "regex", "z"), [0, 0, 0])


@pytest.mark.parametrize(
    "feature, pattern, message",
    [
        ("regex", "(unclosed", "bad regular expression '(unclosed': missing ), unterminated subpattern"),
        ("regex", None, "needs a pattern"),
        ("nope", None, "unknown feature 'nope'; choose one of: depth, quotes, column, vowel, whitespace, regex"),
    ],
)
def test_bad_features_are_user_errors(feature, pattern, message):
    with pytest.raises(UserError, match=re.escape(message)):
        feature_values("some text", feature, pattern)


# --- ranking ----------------------------------------------------------------------------------------


def test_a_planted_unit_ranks_first_with_its_sign(rng):
    feature = bracket_depth("((a)(b(c)))d" * 30)
    states = rng.normal(size=(len(feature), 10))
    states[:, 6] = -0.5 * feature + 0.05 * rng.normal(size=len(feature))  # tracks depth, going down
    states[:, 2] = feature + 1.0 * rng.normal(size=len(feature))  # tracks it, noisily
    ranking = rank_units(states, feature)
    assert [score.unit for score in ranking[:2]] == [6, 2]
    assert ranking[0].correlation < -0.99
    assert 0.3 < ranking[1].correlation < 0.9
    assert all(abs(score.correlation) < 0.3 for score in ranking[2:])
    assert len(rank_units(states, feature, top=3)) == 3


def test_correlations_equal_numpy_corrcoef(rng):
    states, values = rng.normal(size=(50, 4)), rng.normal(size=50)
    expected = [np.corrcoef(states[:, k], values)[0, 1] for k in range(4)]
    np.testing.assert_allclose(correlations(states, values), expected, rtol=1e-12)


def test_constant_units_and_features_give_zero_not_nan(rng):
    states = rng.normal(size=(40, 3))
    states[:, 1] = 0.7  # a saturated unit
    values = rng.normal(size=40)
    scores = correlations(states, values)
    assert np.all(np.isfinite(scores)) and scores[1] == 0.0
    assert not correlations(states, np.full(40, 2.0)).any()
    ranking = rank_units(states, np.full(40, 2.0))
    assert [score.unit for score in ranking] == [0, 1, 2]  # all tied at 0: unit order


# --- shipped models ---------------------------------------------------------------------------------

REQUIRED = ("brackets", "quotes", "text")


def test_required_models_are_shipped_small_with_cards():
    assert set(REQUIRED) <= set(list_shipped())
    for name in list_shipped():
        assert (MODELS_DIR / f"{name}.npz").stat().st_size <= 200 * 1024, name
        assert (MODELS_DIR / f"{name}.md").is_file(), name


def test_unknown_shipped_model_lists_the_names():
    with pytest.raises(UserError, match="unknown model 'nope'; shipped models: " + ", ".join(list_shipped())):
        load_shipped("nope")


@pytest.mark.parametrize("name", REQUIRED)
def test_card_numbers_match_a_recomputation_on_fresh_text(name):
    model, card = load_shipped(name), load_shipped_card(name)
    assert model.output is not None and model.cell.dtype == np.float32
    assert (card["task"], card["cell"], card["hidden"]) == (name, model.name, model.cell.hidden_size)
    assert card["steps"] == card["steps_planned"] and not card["stopped_early"]
    assert card["command"].startswith(f"lstm-tui train --task {name} ")
    task = get_task(name) if name != "text" else None
    if task is not None:
        fresh = task.fresh_text(FRESH_CHARS, card["seed"])
        text, task_features = fresh.text, fresh.features
    else:  # the lessons change; the card keeps the held-out text it was measured on
        text, task_features = card["fresh_text"], {}
    loss, accuracy = evaluate(model, text)
    assert loss == pytest.approx(card["fresh_loss"], abs=1e-4)
    assert accuracy == pytest.approx(card["fresh_accuracy"], abs=1e-4)
    recomputed = find_interpretable_units(model, text, task_features)
    assert [(u["feature"], u["state"], u["unit"]) for u in recomputed] == [
        (u["feature"], u["state"], u["unit"]) for u in card["units"]
    ]
    np.testing.assert_allclose(
        [u["correlation"] for u in recomputed], [u["correlation"] for u in card["units"]], atol=2e-3
    )


@pytest.mark.parametrize("name, feature", [("brackets", "depth"), ("quotes", "quotes")])
def test_the_best_unit_follows_its_feature_on_fresh_text(name, feature):
    model, card = load_shipped(name), load_shipped_card(name)
    fresh = get_task(name).fresh_text(FRESH_CHARS, seed=card["seed"] + 1000)  # not even the card's text
    values = fresh.features[feature]
    best = best_unit(card, feature)
    states = model.run(fresh.text).forward.trace[best["state"]]
    assert abs(correlations(states, values)[best["unit"]]) >= 0.9
    assert abs(best["correlation"]) >= 0.9
