"""A lesson's quiz, answered in place: choices to pick or a number to type, then feedback and the
explanation. The widget only checks answers; the screen records them (``QuestionView.Answered``).

↑ and ↓ move between the quiz's choices (and answer fields); past the first or the last they scroll the
page as usual. A wrong number is not answered for the learner: they may try again, or ask for the answer.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ..curriculum import Question, Quiz

LETTERS = "abcdefgh"
# An explanation that opens with its own verdict ("Right: …", "No: …") gets the mark alone, not a second verdict.
OWN_VERDICT = re.compile(r"(Right|Correct|Yes|No|Not quite|Wrong)\b[:.,]")


def parse_number(text: str) -> float | None:
    """A typed answer as a number (a Unicode minus or a decimal comma are accepted), or None."""
    try:
        return float(text.strip().replace("−", "-").replace(",", "."))
    except ValueError:
        return None


class QuizItem(Static, can_focus=True):
    """Something to pick in a quiz (a choice, "show the answer"): Enter, space or a click picks it, and
    ↑/↓ move to the quiz's previous or next item."""

    BINDINGS = [
        Binding("enter,space", "pick", "answer"),
        Binding("up", "move(-1)", "previous choice", show=False),
        Binding("down", "move(1)", "next choice", show=False),
    ]

    def action_move(self, direction: int) -> None:
        move_in_quiz(self, direction)

    def on_click(self) -> None:
        self.action_pick()  # each kind of item says what picking it does


def move_in_quiz(widget, direction: int) -> None:
    """Focus the quiz's previous or next item or answer field; at either end, leave the key to the page
    (it scrolls)."""
    quiz = next((node for node in widget.ancestors if isinstance(node, QuizView)), None)
    items = [item for item in quiz.query("QuizItem, .quiz-number") if item.display] if quiz else []
    position = items.index(widget) + direction if widget in items else -1
    if not 0 <= position < len(items):
        raise SkipAction()
    items[position].focus()


class ChoiceItem(QuizItem):
    """One choice of a multiple-choice question."""

    class Picked(Message):
        def __init__(self, index: int):
            super().__init__()
            self.index = index

    def __init__(self, label: str, index: int):
        super().__init__(label, markup=False, classes="quiz-choice")
        self.index = index

    def action_pick(self) -> None:
        self.post_message(self.Picked(self.index))


class RevealItem(QuizItem):
    """After a wrong number: picking it shows the answer."""

    BINDINGS = [Binding("enter,space", "pick", "show the answer")]

    class Picked(Message):
        pass

    def __init__(self):
        super().__init__("▸ show the answer", classes="quiz-choice quiz-reveal")

    def action_pick(self) -> None:
        self.post_message(self.Picked())


class NumberField(Input):
    """The answer field of a numeric question: ↑/↓ move between the quiz's items, as on a choice."""

    BINDINGS = [
        Binding("up", "move(-1)", "previous choice", show=False),
        Binding("down", "move(1)", "next choice", show=False),
    ]

    def action_move(self, direction: int) -> None:
        move_in_quiz(self, direction)


class QuestionView(Vertical):
    """One question. ``number`` is its index among the lesson's questions (what progress records)."""

    class Answered(Message):
        def __init__(self, number: int, correct: bool):
            super().__init__()
            self.number = number
            self.correct = correct

    def __init__(self, question: Question, number: int, earlier: bool | None = None):
        super().__init__(classes="quiz-question")
        self.question = question
        self.number = number
        self.earlier = earlier  # the result saved from an earlier visit, if any

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble((f"Q{self.number + 1}. ", "bold"), self.question.prompt), classes="quiz-prompt")
        if self.question.is_numeric:
            field = NumberField(placeholder="a number, then Enter", classes="quiz-number")
            field.cursor_blink = False
            yield field
            reveal = RevealItem()
            reveal.display = False
            yield reveal
        else:
            for index, choice in enumerate(self.question.choices):
                yield ChoiceItem(f"({LETTERS[index]}) {choice.text}", index)
        feedback = Static("", classes="quiz-feedback")
        if self.earlier is not None:
            feedback.update(f"Answered before: {'right' if self.earlier else 'not right yet'}. Answer again any time.")
        else:
            feedback.display = False
        yield feedback

    @on(ChoiceItem.Picked)
    def choice_picked(self, event: ChoiceItem.Picked) -> None:
        event.stop()
        choice = self.question.choices[event.index]
        for item in self.query(ChoiceItem):
            item.set_class(item.index == event.index, "-right" if choice.correct else "-wrong")
            item.set_class(item.index != event.index, "-not-picked")
            if item.index != event.index:
                item.remove_class("-right", "-wrong")
        self.show_feedback(choice.correct, choice.explanation)

    @on(NumberField.Submitted, ".quiz-number")
    def number_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = parse_number(event.value)
        if value is None:
            self.query_one(".quiz-feedback", Static).update("Type a number, such as 0.5, then Enter.")
            self.query_one(".quiz-feedback", Static).display = True
            return
        correct = self.question.check(value)
        self.query_one(RevealItem).display = not correct
        # a wrong number keeps the answer back: try again, or ask for it
        self.show_feedback(correct, self.question.explanation if correct else "Try again, or show the answer.")

    @on(RevealItem.Picked)
    def reveal(self, event: RevealItem.Picked) -> None:
        event.stop()
        answer = f"{self.question.answer:g}" + (f" ± {self.question.tolerance:g}" if self.question.tolerance else "")
        feedback = self.query_one(".quiz-feedback", Static)
        feedback.update(Text.assemble(("The answer is ", "bold"), (answer, "bold"), ". ", self.question.explanation))
        self.query_one(RevealItem).display = False
        self.query_one(NumberField).focus()

    def show_feedback(self, correct: bool, explanation: str) -> None:
        if OWN_VERDICT.match(explanation):
            mark = ("✓ ", "bold green") if correct else ("✗ ", "bold red")
        else:
            mark = ("✓ Right. ", "bold green") if correct else ("✗ Not quite. ", "bold red")
        feedback = self.query_one(".quiz-feedback", Static)
        feedback.update(Text.assemble(mark, explanation))
        feedback.set_class(correct, "-right")
        feedback.set_class(not correct, "-wrong")
        feedback.display = True
        self.post_message(self.Answered(self.number, correct))


class QuizView(Vertical):
    """All questions of one quiz block; ``first`` is the lesson-wide index of its first question."""

    def __init__(self, quiz: Quiz, first: int, earlier: dict[int, bool]):
        super().__init__(classes="quiz")
        self.quiz = quiz
        self.first = first
        self.earlier = earlier

    def compose(self) -> ComposeResult:
        for offset, question in enumerate(self.quiz.questions):
            number = self.first + offset
            yield QuestionView(question, number, self.earlier.get(number))
