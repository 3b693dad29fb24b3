"""Content checks: every lesson parses, and every number, equation, link and panel setup in it is real."""

from __future__ import annotations

import math
import re
import unicodedata

import pytest

from lstm_tui.curriculum import (
    Curriculum,
    heading_slug,
    lessons_dir,
    load_curriculum,
    parse_lesson,
)
from lstm_tui.errors import UserError
from lstm_tui.model import CELLS, CharModel
from lstm_tui.model.equations import equations_text
from lstm_tui.panel_setup import VIEWS, PanelSetup
from lstm_tui.session import load_model
from lstm_tui.widgets.ascii_mode import to_ascii

MAX_LINES = 250
MAX_DIAGRAM_COLUMNS = 60
BOX_DRAWING = re.compile("[\u2500-\u257f\u2190-\u21ff\u25a0-\u25ff]")


@pytest.fixture(scope="module")
def curriculum() -> Curriculum:
    return load_curriculum()


def all_setups(curriculum):
    for lesson in curriculum:
        yield lesson, lesson.setup
        for item in lesson.tries:
            yield lesson, item.setup


# --- structure ------------------------------------------------------------------------------------------
# The course order. 17 and 18 are left free for lessons on newer recurrences; numbers need only increase.
ORDER = {
    1: "plain-rnn",
    2: "cell-state",
    3: "forget-gate",
    4: "input-gate",
    5: "output-gate",
    6: "one-step",
    7: "peepholes-variants",
    8: "gru",
    9: "gru-variants",
    10: "gradients",
    11: "training",
    12: "reading-a-network",
    13: "lstm-vs-rnn",
    14: "deeper-bidirectional",
    15: "seq2seq-attention",
    16: "applications",
    19: "history",
    20: "notation",
}


def test_lessons_are_numbered_in_increasing_unique_order(curriculum):
    numbers = [lesson.number for lesson in curriculum]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    assert len({lesson.slug for lesson in curriculum}) == len(numbers)
    assert {number: curriculum.get(number).slug for number in ORDER} == ORDER


def test_numbers_may_leave_gaps_but_not_repeat(tmp_path):
    for number in (1, 19):
        lesson_text = GOOD.replace("order: 7", f"order: {number}")
        (tmp_path / f"{number:02d}-t{number}.md").write_text(lesson_text, encoding="utf-8")
    gapped = load_curriculum(tmp_path)
    assert [lesson.number for lesson in gapped] == [1, 19]
    assert gapped.neighbour(gapped.get(1), 1).number == 19 and gapped.get("19").slug == "t19"
    (tmp_path / "19-again.md").write_text(GOOD.replace("order: 7", "order: 19"), encoding="utf-8")
    with pytest.raises(UserError, match="19-again.md and 19-t19.md share the number 19"):
        load_curriculum(tmp_path)


def test_every_lesson_has_a_try_it_and_a_quiz(curriculum):
    for lesson in curriculum:
        assert lesson.tries, f"{lesson.name} has no try block"
        assert lesson.questions, f"{lesson.name} has no quiz"


def test_pages_stay_short_with_narrow_diagrams_and_few_tables(curriculum):
    for lesson in curriculum:
        assert lesson.line_count <= MAX_LINES, lesson.name
        markdown = lesson.markdown()
        assert len(re.findall(r"^\|\s*-", markdown, re.MULTILINE)) <= 1, f"{lesson.name}: more than one table"
        for block in re.findall(r"^```text\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL):
            if BOX_DRAWING.search(block):
                widest = max(len(line) for line in block.splitlines())
                assert widest <= MAX_DIAGRAM_COLUMNS, f"{lesson.name}: a diagram is {widest} columns wide"


def test_no_latex_in_lessons(curriculum):
    for lesson in curriculum:
        text = lesson.markdown(answers=True)
        latex = r"\\(frac|sigma|odot|tanh|cdot|sum|prod|mathbf|left|right)\b|\$\$?[^$\s]"
        assert not re.search(latex, text), lesson.name


def test_diagrams_have_an_ascii_fallback(curriculum):
    for lesson in curriculum:
        for block in re.findall(r"^```text\n(.*?)^```", lesson.markdown(), re.MULTILINE | re.DOTALL):
            ascii_block = to_ascii(block)
            assert not BOX_DRAWING.search(ascii_block), f"{lesson.name}: {BOX_DRAWING.search(ascii_block)[0]!r}"
            assert [len(line) for line in ascii_block.splitlines()] == [len(line) for line in block.splitlines()]


# --- panel setups -----------------------------------------------------------------------------------------
def test_every_panel_setup_loads_a_real_model(curriculum):
    checked = set()
    for lesson, setup in all_setups(curriculum):
        assert setup.cell in CELLS, f"{lesson.name}: unknown cell {setup.cell}"
        assert setup.view in VIEWS
        assert setup.weights is None
        if setup in checked:
            continue
        checked.add(setup)
        model = load_model(setup)  # what the panel does; raises for an unknown model name
        assert model.cell.name == setup.cell


def test_try_blocks_override_the_lesson_setup_only_where_they_say(curriculum):
    lesson = curriculum.get("cell-state")
    nfg = next(item for item in lesson.tries if item.setup.cell == "lstm-nfg")
    assert nfg.setup.seed == lesson.setup.seed and nfg.setup.hidden == lesson.setup.hidden
    assert nfg.look_for.startswith("This is the cell without a forget gate")


# --- quizzes ----------------------------------------------------------------------------------------------
def test_every_question_has_one_right_answer_and_explanations(curriculum):
    for lesson in curriculum:
        for question in lesson.questions:
            if question.is_numeric:
                assert question.explanation.strip() and question.tolerance >= 0
                assert question.check(question.answer)
                assert not question.check(question.answer + 2 * question.tolerance + 1)
            else:
                assert sum(choice.correct for choice in question.choices) == 1, question.prompt
                assert all(choice.explanation.strip() for choice in question.choices), question.prompt
                assert len({choice.text for choice in question.choices}) == len(question.choices)


def test_plain_markdown_hides_answers_unless_asked(curriculum):
    lesson = curriculum.get(3)
    explanations = [c.explanation for q in lesson.questions for c in q.choices] + [
        q.explanation for q in lesson.questions if q.is_numeric
    ]
    hidden, shown = lesson.markdown(), lesson.markdown(answers=True)
    assert not any(text in hidden for text in explanations)
    assert all(text in shown for text in explanations)


# --- links and anchors ---------------------------------------------------------------------------------
def test_internal_links_and_anchors_resolve(curriculum):
    internal = 0
    for lesson in curriculum:
        for link in lesson.links:
            target = curriculum.resolve_link(lesson, link.target)  # raises UserError when broken
            if link.is_web:
                assert link.target.startswith("https://"), f"{lesson.name}:{link.line}"
            else:
                internal += 1
                assert target.lesson is not None
    assert internal >= len(curriculum)


def test_broken_links_are_reported():
    curriculum = load_curriculum()
    lesson = curriculum.get(1)
    with pytest.raises(UserError, match="names no lesson"):
        curriculum.resolve_link(lesson, "99-nowhere.md")
    with pytest.raises(UserError, match="no heading"):
        curriculum.resolve_link(lesson, "02-cell-state.md#no-such-heading")
    assert curriculum.resolve_link(lesson, "02-cell-state.md#why-addition-helps").kind == "lesson"
    assert curriculum.resolve_link(lesson, "#unrolling").kind == "anchor"


def test_anchors_follow_textuals_slug_rules(curriculum):
    from textual._slug import slug as textual_slug  # the rule Markdown.goto_anchor applies

    titles = [heading.title for lesson in curriculum for heading in lesson.headings]
    titles += ["Greff's eight variants", "GRU1, GRU2 and GRU3", "What the values mean (roughly)", "a_b-c  d"]
    for title in titles:
        assert heading_slug(title) == textual_slug(title), title


def test_table_of_contents_lists_the_sections(curriculum):
    toc = curriculum.get(1).table_of_contents()
    assert [heading.title for heading in toc][:2] == ["The update rule", "Unrolling"]
    assert toc[-1].title == "Quiz"


# --- numbers and equations checked against the code ---------------------------------------------------
def blocks_of(curriculum, kind):
    return [(lesson, block) for lesson in curriculum for block in lesson.blocks if block.kind == kind]


def test_equation_blocks_equal_the_registry_text(curriculum):
    blocks = blocks_of(curriculum, "equations")
    assert len(blocks) >= 8
    for lesson, block in blocks:
        assert block.argument in CELLS, f"{lesson.name}:{block.line}: unknown cell {block.argument!r}"
        assert block.text == equations_text(CELLS[block.argument].equations), f"{lesson.name}:{block.line}"


def parse_counts(block) -> tuple[int, int, list[tuple[str, int]]]:
    sizes = dict(re.findall(r"([DH])=(\d+)", block.argument))
    rows = []
    for line in block.text.splitlines():
        name, count = line.split()[:2]
        rows.append((name, int(count.replace(",", ""))))
    return int(sizes["D"]), int(sizes["H"]), rows


def test_parameter_counts_equal_the_code(curriculum):
    stated = 0
    for lesson, block in blocks_of(curriculum, "counts"):
        input_size, hidden_size, rows = parse_counts(block)
        for name, count in rows:
            assert count == CELLS[name].parameter_count(input_size, hidden_size), f"{lesson.name}: {name}"
            stated += 1
    assert stated >= 10


def test_gru_variants_lesson_compares_every_gru_family_cell(curriculum):
    lesson = curriculum.get("gru-variants")
    named = {name for block in lesson.blocks if block.kind == "counts" for name, _ in parse_counts(block)[2]}
    expected = {"lstm", "gru", "gru1", "gru2", "gru3", "mgu", "mut1", "mut2", "mut3"}
    assert expected <= named


# --- the worked example (lesson 6) ----------------------------------------------------------------------
def number(value: float) -> str:
    """Three decimals with a real minus sign (as printed in the lesson)."""
    text = f"{value:.3f}"
    return ("0.000" if text == "-0.000" else text).replace("-", "−")


def factor(value: float) -> str:
    """A number as a factor in a product: negative numbers in parentheses."""
    return f"({number(value)})" if value < 0 else number(value)


def worked_example(setup: PanelSetup) -> str:
    """The lesson's worked example, recomputed: an LSTM with one unit stepping through ``setup.text``."""
    assert setup.cell == "lstm" and setup.hidden == 1 and setup.model == "random"
    model = CharModel.random(setup.cell, setup.hidden, setup.seed)
    p = model.cell.params
    rows = {name: k for k, name in enumerate("ifgo")}
    chars = sorted(set(setup.text), key=setup.text.index)

    def input_part(char, gate):  # W x + b: the character's column of W_ih plus both biases
        k = rows[gate]
        return p["weight_ih"][k, model.vocab.index(char)] + p["bias_ih"][k] + p["bias_hh"][k]

    lines = ["            i        f        g        o"]
    for char in chars:
        lines.append(f'u("{char}")' + "".join(f"{number(input_part(char, gate)):>9}" for gate in "ifgo"))
    lines.append("r     " + "".join(f"{number(p['weight_hh'][rows[gate], 0]):>9}" for gate in "ifgo"))
    trace = model.run(setup.text).forward.trace
    h_prev = c_prev = 0.0
    for t, char in enumerate(setup.text, 1):
        sub, prev = "₀₁₂₃₄₅₆₇₈₉"[t], "₀₁₂₃₄₅₆₇₈₉"[t - 1]
        lines += ["", f'step {t}: x = "{char}", h{prev} = {number(h_prev)}, c{prev} = {number(c_prev)}']
        for gate in "ifgo":
            u, r = input_part(char, gate), p["weight_hh"][rows[gate], 0]
            pre = u + r * h_prev
            squash = "tanh" if gate == "g" else "σ"
            value = trace[gate][t - 1, 0]
            lines.append(
                f"{gate}{sub} = {squash}({number(u)} + {factor(r)} · {factor(h_prev)})"
                f" = {squash}({number(pre)}) = {number(value)}"
            )
        i, f, g, o, c, h = (trace[name][t - 1, 0] for name in "ifgoch")
        lines.append(
            f"c{sub} = f{sub} · c{prev} + i{sub} · g{sub} = {number(f)} · {factor(c_prev)}"
            f" + {number(i)} · {factor(g)} = {number(c)}"
        )
        lines.append(
            f"h{sub} = o{sub} · tanh(c{sub}) = {number(o)} · tanh({number(c)})"
            f" = {number(o)} · {factor(math.tanh(c))} = {number(h)}"
        )
        h_prev, c_prev = h, c
    return "\n".join(lines)


def test_worked_example_equals_the_model(curriculum):
    lesson = curriculum.get("one-step")
    blocks = [block for block in lesson.blocks if block.kind == "worked"]
    assert len(blocks) == 1
    assert blocks[0].text == worked_example(lesson.setup)
    # The lesson's try-it loads the same model, so the panel shows the same numbers.
    assert any(item.setup == lesson.setup for item in lesson.tries)


def test_worked_example_numbers_come_from_a_real_step():
    """The generator itself: its last h equals one CharModel.step chain, digit for digit."""
    setup = PanelSetup(cell="lstm", hidden=1, seed=0, text="up")
    model = CharModel.random("lstm", 1, 0)
    state = None
    for char in setup.text:
        state = model.step(char, state).state
    last_line = worked_example(setup).splitlines()[-1]
    assert last_line.endswith(f"= {number(float(state['h'][0]))}")


def test_worked_example_quiz_answer_is_the_models(curriculum):
    lesson = curriculum.get("one-step")
    model = CharModel.random("lstm", 1, lesson.setup.seed)
    c1 = model.run(lesson.setup.text[0]).forward.trace["c"][0, 0]
    numeric = [q for q in lesson.questions if q.is_numeric]
    assert numeric and numeric[0].answer == pytest.approx(round(math.tanh(c1), 3))


# --- the parser's errors ----------------------------------------------------------------------------------
GOOD = """---
title: "T"
order: 7
---
# T

```try
text: "ab"

Look.
```

```quiz
? Q
+ right
  > because
- wrong
  > because not
```
"""


def test_a_minimal_lesson_parses():
    lesson = parse_lesson(GOOD, "07-t.md")
    assert (lesson.number, lesson.slug, lesson.title) == (7, "t", "T")
    assert lesson.tries[0].setup == PanelSetup(text="ab")
    assert lesson.questions[0].check(0) and not lesson.questions[0].check(1)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace('title: "T"', "title: T"), r"07-t.md:2: the value of title must be JSON"),
        (GOOD.replace("order: 7", "order: 8"), r"07-t.md:1: order 8 does not match"),
        (GOOD.replace('title: "T"\n', 'title: "T"\ncolour: "red"\n'), r"07-t.md:3: expected `key: value`"),
        (GOOD.replace("- wrong", "+ wrong"), r"07-t.md:14: .*exactly one right choice"),
        (GOOD.replace("  > because not\n", ""), r"07-t.md:17: choice 'wrong' has no explanation"),
        (GOOD.replace("```quiz", "```qiuz"), r"07-t.md:13: unknown fenced block 'qiuz'"),
        (GOOD.replace('text: "ab"', 'view: "radar"'), r"07-t.md:7: view must be one of"),
        (GOOD.replace("\nLook.\n", ""), r"07-t.md:7: a try block needs"),
        (GOOD.replace("# T", "# Other"), r"07-t.md:5: the body must open with the heading"),
        (GOOD.rstrip().removesuffix("```"), r"07-t.md:13: this fenced block is never closed"),
        (GOOD.replace("---\n# T", "# T"), r"07-t.md:1: the front matter is not closed"),
        (GOOD.replace("+ right", "= 3 ± x"), r"07-t.md:15: a numeric answer"),
    ],
)
def test_malformed_lessons_give_file_and_line(broken, message):
    with pytest.raises(UserError, match=message):
        parse_lesson(broken, "07-t.md")


def test_bad_file_names_are_refused():
    with pytest.raises(UserError, match="NN-slug.md"):
        parse_lesson(GOOD, "7-T.md")


# --- finding lessons --------------------------------------------------------------------------------------
def test_lessons_are_found_in_the_checkout_and_looked_up_every_way(curriculum):
    assert lessons_dir().name == "lessons"
    lesson = curriculum.get(3)
    assert curriculum.get("03") is lesson
    assert curriculum.get("forget-gate") is lesson
    assert curriculum.get("03-forget-gate.md") is lesson
    assert curriculum.neighbour(lesson, 1).number == 4
    assert curriculum.neighbour(curriculum.get(1), -1) is None
    with pytest.raises(UserError, match="no lesson 'nope'"):
        curriculum.get("nope")


@pytest.mark.parametrize("key", ["²", "³", "٣", "३", "３", "¹²"])
def test_only_ascii_digits_are_lesson_numbers(curriculum, key):
    # str.isdigit accepts these; int("²") raised ValueError (a crash) and int("٣") opened lesson 3
    with pytest.raises(UserError, match="no lesson"):
        curriculum.get(key)


def test_lesson_text_is_clean_unicode(curriculum):
    for lesson in curriculum:
        text = (lessons_dir() / f"{lesson.name}.md").read_text(encoding="utf-8")
        assert "\t" not in text and "\r" not in text, lesson.name
        assert all(unicodedata.category(ch) != "Cf" for ch in text), lesson.name  # no invisible format chars
        assert not any(line != line.rstrip() for line in text.splitlines()), f"{lesson.name}: trailing spaces"
