"""The lessons as data: find, parse and validate ``lessons/NN-slug.md``. No terminal code here.

A lesson file is Markdown with a small, strict front matter and a few special fenced blocks::

    ---
    title: "The forget gate"          one `key: JSON value` per line
    order: 3                          must equal the file's number NN
    cell: "lstm"                      the rest is the lesson's PanelSetup
    text: "aaaa"
    ---
    # The forget gate                 the body opens with the title as its only level-1 heading

Fenced blocks whose info string names a kind the loader knows:

* ```` ```try ````: a "try it". ``key: JSON value`` lines override the lesson's panel setup, then a
  blank line, then what to look for (Markdown).
* ```` ```quiz ````: questions. ``? prompt``; choices ``+ right`` / ``- wrong``, or a numeric answer
  ``= 0.73 ± 0.005``; ``> explanation`` after every choice (after the numeric answer: one explanation).
  An indented line continues the line before it.
* ```` ```equations CELL ````, ```` ```counts D=… H=… ````, ```` ```worked ````, ```` ```shell ````: text the
  tests check against the code (a cell's equations, parameter counts, a worked example, a command with the
  start of what it prints). They read as plain text.
* ```` ```task ````: a task checked on the live model. ``key: JSON value`` lines: ``goal`` (one or more, in
  the syntax of ``lesson_tasks``), ``hint`` (any number), ``solution`` (a text that meets the goals) and
  the panel setup keys, then a blank line, then what to do (Markdown).
* ```` ```text ```` (or no info string): diagrams and other preformatted text.

The front matter may also hide views (``hide_views: ["heat"]``) and keys (``hide_keys: ["cell"]``, by
action name) while the lesson is open. Control and invisible characters (escape, bidi overrides, …) are
refused wherever they appear, so nothing from a lesson file can act on a terminal.

Any other info string is an error, so a typo cannot silently turn a quiz into a code block.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from .display import shown
from .errors import UserError
from .lesson_tasks import Task, parse_goal
from .limits import MAX_LESSON_BYTES, MAX_LESSONS
from .panel_setup import HIDEABLE_KEYS, VIEWS, PanelSetup

FILE_NAME = re.compile(r"^(\d\d)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
LESSON_SETUP_KEYS = ("cell", "model", "hidden", "seed", "text", "view")  # no weight files in lessons
HIDING_KEYS = ("hide_views", "hide_keys")
FRONT_MATTER_KEYS = ("title", "order") + LESSON_SETUP_KEYS + HIDING_KEYS
TASK_KEYS = ("goal", "hint", "solution") + LESSON_SETUP_KEYS
TRY_KEYS = (*LESSON_SETUP_KEYS, "recording")
RECORDING_NAME = re.compile(r"^[\w.-]+\.json$", re.ASCII)  # a file in the lesson's own folder
CHECKED_KINDS = ("equations", "counts", "worked", "shell")
PLAIN_KINDS = ("", "text")
WEB_LINK = re.compile(r"^(https?|mailto):", re.IGNORECASE)
# [label](target) outside code; images are not used in lessons.
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
EMPHASIS = re.compile(r"[*_`]")  # marks a label's reader does not see
NUMBER = r"[-+−]?\d+(?:\.\d+)?"
NUMERIC_ANSWER = re.compile(rf"^({NUMBER})(?:\s*±\s*({NUMBER}))?$")


# --- what a lesson is made of -------------------------------------------------------------------------
@dataclass(frozen=True)
class TryIt:
    setup: PanelSetup
    look_for: str  # Markdown: what the learner should notice
    line: int
    recording: str | None = None  # a recording beside the lesson file, played in the panel (lstm_tui.recording)


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[Choice, ...] = ()  # multiple choice, or empty for a numeric question
    answer: float | None = None  # numeric questions
    tolerance: float = 0.0
    explanation: str = ""  # numeric questions: shown after any answer
    line: int = 0

    @property
    def is_numeric(self) -> bool:
        return self.answer is not None

    def check(self, response: int | float) -> bool:
        """A choice index for multiple choice, a number for numeric questions."""
        if self.is_numeric:
            return abs(float(response) - self.answer) <= self.tolerance
        return self.choices[int(response)].correct


@dataclass(frozen=True)
class Quiz:
    questions: tuple[Question, ...]
    line: int


@dataclass(frozen=True)
class CheckedBlock:
    kind: str  # one of CHECKED_KINDS
    argument: str  # the rest of the info string, e.g. "lstm" or "D=96 H=32"
    text: str
    line: int


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    anchor: str  # unique within the lesson, as Textual's Markdown.goto_anchor computes it
    line: int


@dataclass(frozen=True)
class Link:
    target: str
    line: int
    label: str = ""  # the link's text as a reader sees it

    @property
    def is_web(self) -> bool:
        return bool(WEB_LINK.match(self.target))


Segment = str | TryIt | Quiz | Task  # Markdown text, or a widget the app draws in its place


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    setup: PanelSetup
    segments: tuple[Segment, ...]
    blocks: tuple[CheckedBlock, ...]
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]
    source: str  # the file, for messages
    line_count: int
    hidden_views: tuple[str, ...] = ()
    hidden_keys: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The file name without ``.md``, e.g. ``03-forget-gate``: what lesson links point at."""
        return f"{self.number:02d}-{self.slug}"

    @property
    def tries(self) -> tuple[TryIt, ...]:
        return tuple(s for s in self.segments if isinstance(s, TryIt))

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(s for s in self.segments if isinstance(s, Task))

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.segments if isinstance(s, Quiz) for q in s.questions)

    def table_of_contents(self) -> tuple[Heading, ...]:
        return tuple(h for h in self.headings if h.level >= 2)

    def has_anchor(self, anchor: str) -> bool:
        return any(h.anchor == anchor for h in self.headings)

    def markdown(self, answers: bool = False) -> str:
        """The whole lesson as plain Markdown: try-its as quotes, quizzes as lists (answers optional)."""
        parts = []
        for segment in self.segments:
            if isinstance(segment, TryIt):
                parts.append(_try_markdown(segment))
            elif isinstance(segment, Quiz):
                parts.append(_quiz_markdown(segment, answers))
            elif isinstance(segment, Task):
                parts.append(task_markdown(segment, answers))
            else:
                parts.append(segment)
        return "\n".join(parts)


def recording_path(lesson: Lesson, item: TryIt) -> Path:
    """Where a try-it's recording is: beside the lesson file."""
    return Path(lesson.source).parent / item.recording


def describe_setup(setup: PanelSetup) -> str:
    """One line, e.g. ``lstm, random model (hidden 8, seed 0), view gates, text "aaaa"``."""
    model = f"model {setup.model}"
    if setup.model == "random":
        model = f"random model (hidden {setup.hidden}, seed {setup.seed})"
    text = f", text {json.dumps(setup.text, ensure_ascii=False)}" if setup.text else ""
    return f"{setup.cell}, {model}, view {setup.view}{text}"


def _try_markdown(item: TryIt) -> str:
    look_for = "\n> ".join(item.look_for.splitlines())
    played = f", plays {item.recording}" if item.recording else ""
    return f"> **Try it** ({describe_setup(item.setup)}{played})\n>\n> {look_for}\n"


def task_markdown(task: Task, answers: bool = False) -> str:
    """A task as a quote: what to do, its goals, and (with ``answers``) the hints and a solution."""
    prompt = [f"> {line}" for line in task.prompt.splitlines()]
    lines = [f"> **Task** ({describe_setup(task.setup)})", ">", *prompt, ">"]
    lines += [f"> Goal: `{goal.text}`" + "  " * (k < len(task.goals) - 1) for k, goal in enumerate(task.goals)]
    if answers:
        lines += [">", *(f"> *Hint {k}:* {hint}" for k, hint in enumerate(task.hints, 1))]
        if task.solution is not None:
            lines += [">", f"> *A solution:* type {json.dumps(task.solution, ensure_ascii=False)}"]
    return "\n".join(lines) + "\n"


def _quiz_markdown(quiz: Quiz, answers: bool) -> str:
    lines = []
    for number, question in enumerate(quiz.questions, 1):
        lines.append(f"**Q{number}.** {question.prompt}\n")
        if question.is_numeric:
            lines.append("Answer with a number.\n")
            if answers:
                lines.append(f"*Answer: {question.answer:g} (± {question.tolerance:g}).* {question.explanation}\n")
            continue
        for letter, choice in zip("abcdefgh", question.choices):
            lines.append(f"- ({letter}) {choice.text}")
            if answers:
                verdict = "Right" if choice.correct else "Wrong"
                lines.append(f"  - *{verdict}:* {choice.explanation}")
        lines.append("")
    return "\n".join(lines)


# --- slugs and anchors: the same rules as Textual's Markdown (textual._slug) ---------------------------
_PUNCTUATION = re.compile("[" + re.escape("!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~") + "]+")


def heading_slug(title: str) -> str:
    return quote(re.sub(r"\s", "-", _PUNCTUATION.sub("", title.strip().lower())))


def _unique_anchors(titles: list[str]) -> list[str]:
    used: dict[str, int] = {}
    anchors = []
    for title in titles:
        slug = heading_slug(title)
        count = used.get(slug, 0)
        used[slug] = count + 1
        anchors.append(f"{slug}-{count}" if count else slug)
    return anchors


def _plain_heading(text: str) -> str:
    """Heading text as the renderer shows it: inline code and emphasis markers dropped."""
    return re.sub(r"[`*]", "", text).strip()


# --- parsing ---------------------------------------------------------------------------------------------
class _Source:
    """Raises UserError pointing at a file and line."""

    def __init__(self, name: str):
        self.name = name

    def error(self, line: int, message: str) -> UserError:
        return UserError(f"{self.name}:{line}: {message}")


def _key_values(
    lines: list[tuple[int, str]], allowed: tuple[str, ...], src: _Source, repeatable: tuple[str, ...] = ()
) -> dict:
    """``key: JSON value`` lines; a ``repeatable`` key collects (line, value) pairs in a list."""
    values = {}
    for number, text in lines:
        key, colon, raw = text.partition(":")
        key = key.strip()
        if not colon or key not in allowed:
            raise src.error(number, f"expected `key: value` with key one of {', '.join(allowed)}, got {text!r}")
        if key in values and key not in repeatable:
            raise src.error(number, f"{key} given twice")
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):  # also an integer of over 4,300 digits, or nesting too deep
            raise src.error(
                number, f"the value of {key} must be JSON (strings in double quotes), got {raw.strip()!r}"
            ) from None
        if key in repeatable:
            values.setdefault(key, []).append((number, value))
        else:
            values[key] = value
    return values


def _names(values: dict, key: str, known: tuple[str, ...], line: int, src: _Source) -> tuple[str, ...]:
    """A front-matter list of names (``hide_views``, ``hide_keys``), each one of ``known``."""
    names = values.get(key, [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise src.error(line, f'{key} must be a JSON list of strings, e.g. ["{known[0]}"]')
    for name in names:
        if name not in known:
            raise src.error(line, f"{key}: {name!r} is not one of {', '.join(known)}")
    return tuple(names)


def _check_characters(lines: list[str], src: _Source) -> None:
    """Refuse control and invisible characters (tabs aside): a lesson is shown on terminals, and what
    ``shown`` would have to escape has no place in one."""
    for number, line in enumerate(lines, 1):
        bad = next((char for char in line if char != "\t" and shown(char) != char), None)
        if bad is not None:
            raise src.error(
                number, f"the character {shown(bad)} (a control or invisible character) is not allowed in a lesson"
            )


def _panel_setup(values: dict, base: PanelSetup, line: int, src: _Source) -> PanelSetup:
    for key, value in values.items():
        expected = int if key in ("hidden", "seed") else str
        if type(value) is not expected:
            raise src.error(line, f"{key} must be {'an integer' if expected is int else 'a string'}")
    setup = replace(base, **values)
    if setup.view not in VIEWS:
        raise src.error(line, f"view must be one of {', '.join(VIEWS)}, not {setup.view!r}")
    if setup.hidden < 1:
        raise src.error(line, "hidden must be at least 1")
    return setup


def _parse_try(body: list[tuple[int, str]], base: PanelSetup, line: int, src: _Source) -> TryIt:
    """Settings up to the first blank line (none if the block opens with one), then what to look for."""
    blank = next((k for k, (_, text) in enumerate(body) if not text.strip()), len(body))
    look = "\n".join(text for _, text in body[blank:]).strip()
    if not look:
        raise src.error(line, "a try block needs its settings, a blank line, then what to look for")
    settings = _key_values(body[:blank], TRY_KEYS, src)
    recording = settings.pop("recording", None)
    if recording is not None and not (isinstance(recording, str) and RECORDING_NAME.match(recording)):
        raise src.error(line, 'recording is the name of a .json file beside the lesson, e.g. "demo.json"')
    setup = _panel_setup(settings, base, line, src)
    if recording is not None and setup.view == "gradients":
        raise src.error(line, "a recording plays in the panel, not in the gradient lab")
    return TryIt(setup, look, line, recording)


def _parse_task(body: list[tuple[int, str]], base: PanelSetup, line: int, src: _Source) -> Task:
    """Like a try block: settings (goals, hints, a solution, panel setup), a blank line, what to do."""
    blank = next((k for k, (_, text) in enumerate(body) if not text.strip()), len(body))
    prompt = "\n".join(text for _, text in body[blank:]).strip()
    if not prompt:
        raise src.error(line, "a task block needs its goals, a blank line, then what to do")
    settings = _key_values(body[:blank], TASK_KEYS, src, repeatable=("goal", "hint"))
    goals = []
    for number, text in settings.pop("goal", []):
        if not isinstance(text, str):
            raise src.error(number, 'a goal is a string, e.g. "c[3] > 2"')
        try:
            goals.append(parse_goal(text))
        except ValueError as error:
            raise src.error(number, str(error)) from None
    if not goals:
        raise src.error(line, 'a task needs at least one goal, e.g. goal: "c[3] > 2"')
    hints = []
    for number, text in settings.pop("hint", []):
        if not isinstance(text, str) or not text.strip():
            raise src.error(number, "a hint is a non-empty string")
        hints.append(text)
    solution = settings.pop("solution", None)
    if solution is not None and not isinstance(solution, str):
        raise src.error(line, "solution must be a string: the text that meets the goals")
    return Task(_panel_setup(settings, base, line, src), tuple(goals), tuple(hints), solution, prompt, line)


def _parse_quiz(body: list[tuple[int, str]], line: int, src: _Source) -> Quiz:
    # Each item: [marker, text, line]; an indented unmarked line continues the item before it.
    items: list[list] = []
    for number, text in body:
        stripped = text.strip()
        if not stripped:
            continue
        marker, rest = stripped[0], stripped[1:].strip()
        if marker in "?+-=>" and (stripped[1:2] == " " or len(stripped) == 1):
            items.append([marker, rest, number])
        elif text[:1].isspace() and items:
            items[-1][1] += " " + stripped
        else:
            raise src.error(number, "quiz lines start with ?, +, -, = or > (indent a line to continue one)")
    questions, current = [], None
    for marker, text, number in items:
        if marker == "?":
            current = {"prompt": text, "choices": [], "line": number}
            questions.append(current)
        elif current is None:
            raise src.error(number, "a quiz starts with a question line: ? ...")
        elif marker in "+-":
            current["choices"].append([text, marker == "+", None, number])
        elif marker == "=":
            match = NUMERIC_ANSWER.match(text)
            if not match or "answer" in current:
                raise src.error(number, "a numeric answer is `= number` or `= number ± tolerance`, once per question")
            current["answer"] = float(match[1].replace("−", "-"))
            current["tolerance"] = float(match[2] or 0)
        elif marker == ">":
            target = current["choices"][-1] if current["choices"] else current
            if current["choices"] and target[2] is None:
                target[2] = text
            elif not current["choices"] and "answer" in current and "explanation" not in current:
                current["explanation"] = text
            else:
                raise src.error(number, "one explanation (>) after each choice or after the numeric answer")
    if not questions:
        raise src.error(line, "an empty quiz")
    return Quiz(tuple(_question(q, src) for q in questions), line)


def _question(q: dict, src: _Source) -> Question:
    line, choices = q["line"], q["choices"]
    if "answer" in q:
        if choices:
            raise src.error(line, "a question is either multiple choice or numeric, not both")
        if "explanation" not in q:
            raise src.error(line, "a numeric question needs an explanation (>) after its answer")
        return Question(
            q["prompt"], answer=q["answer"], tolerance=q["tolerance"], explanation=q["explanation"], line=line
        )
    if len(choices) < 2:
        raise src.error(line, "a multiple-choice question needs at least two choices")
    if sum(correct for _, correct, _, _ in choices) != 1:
        raise src.error(line, "a multiple-choice question needs exactly one right choice (+)")
    for text, _, explanation, number in choices:
        if not explanation:
            raise src.error(number, f"choice {text!r} has no explanation (>)")
    return Question(q["prompt"], tuple(Choice(t, c, e) for t, c, e, _ in choices), line=line)


def parse_lesson(text: str, file_name: str) -> Lesson:
    """Parse one lesson; ``file_name`` (``NN-slug.md``) gives its number and slug."""
    src = _Source(file_name)
    name_match = FILE_NAME.match(Path(file_name).name)
    if not name_match:
        raise src.error(1, "a lesson file is named NN-slug.md (two digits, lowercase words joined by -)")
    lines = text.splitlines()
    _check_characters(lines, src)
    if not lines or lines[0] != "---":
        raise src.error(1, "a lesson starts with front matter between --- lines")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise src.error(1, "the front matter is not closed by a --- line") from None
    front = _key_values([(n + 1, lines[n]) for n in range(1, end) if lines[n].strip()], FRONT_MATTER_KEYS, src)
    for key, kind in (("title", str), ("order", int)):
        if type(front.get(key)) is not kind:
            raise src.error(1, f"the front matter needs {key} ({'a string' if kind is str else 'an integer'})")
    number = int(name_match[1])
    if front["order"] != number:
        raise src.error(1, f"order {front['order']} does not match the file number {number}")
    setup = _panel_setup({k: v for k, v in front.items() if k in LESSON_SETUP_KEYS}, PanelSetup(), 1, src)
    hidden_views = _names(front, "hide_views", VIEWS, 1, src)
    hidden_keys = _names(front, "hide_keys", HIDEABLE_KEYS, 1, src)

    segments: list[Segment] = []
    blocks, headings, links, markdown = [], [], [], []
    index = end + 1
    while index < len(lines):
        line_number, line = index + 1, lines[index]
        if line.startswith("```"):
            info = line[3:].strip()
            kind, _, argument = info.partition(" ")
            try:
                close = lines.index("```", index + 1)
            except ValueError:
                raise src.error(line_number, "this fenced block is never closed by a ``` line") from None
            body = [(n + 1, lines[n]) for n in range(index + 1, close)]
            if kind in ("try", "quiz", "task"):
                if markdown:
                    segments.append("\n".join(markdown) + "\n")
                    markdown = []
                if kind == "try":
                    segments.append(_parse_try(body, setup, line_number, src))
                elif kind == "task":
                    segments.append(_parse_task(body, setup, line_number, src))
                else:
                    segments.append(_parse_quiz(body, line_number, src))
            elif kind in CHECKED_KINDS or kind in PLAIN_KINDS:
                if kind in CHECKED_KINDS:
                    blocks.append(CheckedBlock(kind, argument.strip(), "\n".join(t for _, t in body), line_number))
                elif argument:
                    raise src.error(line_number, f"unexpected text after ```{kind}")
                markdown.extend(["```text", *(t for _, t in body), "```"])
            else:
                known = ", ".join(("try", "quiz", "task", *CHECKED_KINDS, "text"))
                raise src.error(line_number, f"unknown fenced block {info!r}; use one of: {known}")
            index = close + 1
            continue
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
        if heading:
            headings.append((len(heading[1]), _plain_heading(heading[2]), line_number))
        links.extend(
            Link(target, line_number, EMPHASIS.sub("", label))
            for label, target in MARKDOWN_LINK.findall(re.sub(r"`[^`]*`", "", line))
        )
        markdown.append(line)
        index += 1
    if markdown:
        segments.append("\n".join(markdown) + "\n")

    if not headings or headings[0][:2] != (1, front["title"]):
        raise src.error(end + 2, f"the body must open with the heading `# {front['title']}`")
    if any(level == 1 for level, _, _ in headings[1:]):
        raise src.error(next(n for lv, _, n in headings[1:] if lv == 1), "only the title is a level-1 heading")
    anchors = _unique_anchors([title for _, title, _ in headings])
    for item in (setup, *(s.setup for s in segments if isinstance(s, (TryIt, Task)))):
        if item.view in hidden_views:
            line = next((s.line for s in segments if isinstance(s, (TryIt, Task)) and s.setup is item), 1)
            raise src.error(line, f"this opens the {item.view} view, which hide_views hides")
    return Lesson(
        number=number,
        slug=name_match[2],
        title=front["title"],
        setup=setup,
        segments=tuple(s.lstrip("\n") if isinstance(s, str) else s for s in segments),
        blocks=tuple(blocks),
        headings=tuple(Heading(lv, t, a, n) for (lv, t, n), a in zip(headings, anchors)),
        links=tuple(links),
        source=file_name,
        line_count=len(lines),
        hidden_views=hidden_views,
        hidden_keys=hidden_keys,
    )


# --- finding lessons -------------------------------------------------------------------------------------
def lessons_dir() -> Path:
    """``lstm_tui/lessons`` inside an installed wheel, else the checkout's top-level ``lessons/``."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "lessons", package.parent / "lessons"):
        if candidate.is_dir():
            return candidate
    looked = f"{package / 'lessons'} and {package.parent / 'lessons'}"
    raise UserError(f"cannot find the lessons folder (looked in {looked})")


def lesson_files() -> list[Path]:
    """The lessons' Markdown files in order: the corpus of the ``text`` training task."""
    files = sorted(lessons_dir().glob("*.md"))
    if not files:
        raise UserError(f"no lessons in {lessons_dir()}")
    return files


@dataclass(frozen=True)
class LinkTarget:
    kind: str  # "lesson" (maybe with an anchor), "anchor" (same lesson) or "web"
    lesson: Lesson | None = None
    anchor: str = ""
    url: str = ""


class Curriculum:
    def __init__(self, lessons: list[Lesson]):
        self.lessons = tuple(sorted(lessons, key=lambda lesson: lesson.number))
        for before, after in zip(self.lessons, self.lessons[1:]):
            if before.number == after.number:
                raise UserError(f"{before.source} and {after.source} share the number {before.number:02d}")
        self._by_name = {lesson.name: lesson for lesson in self.lessons}

    def __iter__(self):
        return iter(self.lessons)

    def __len__(self) -> int:
        return len(self.lessons)

    def get(self, key: str | int) -> Lesson:
        """By number (3 or "03"), slug ("forget-gate"), name ("03-forget-gate") or file name. Only ASCII
        digits make a number: ``str.isdigit`` also accepts "²" (which ``int`` refuses) and "٣"; and a
        short one (``int`` refuses over 4,300 digits)."""
        key = str(key).strip().removesuffix(".md")
        number = int(key) if key.isascii() and key.isdigit() and len(key) <= 9 else None
        for lesson in self.lessons:
            if key in (lesson.slug, lesson.name) or number == lesson.number:
                return lesson
        raise UserError(f"no lesson {key!r}; `lstm-tui lessons` lists them")

    def neighbour(self, lesson: Lesson, offset: int) -> Lesson | None:
        """The next (+1) or previous (−1) lesson, or None at either end."""
        position = self.lessons.index(lesson) + offset
        return self.lessons[position] if 0 <= position < len(self.lessons) else None

    def resolve_link(self, current: Lesson, target: str) -> LinkTarget:
        """What a link in ``current`` points at; raises UserError for a broken internal link."""
        if WEB_LINK.match(target):
            return LinkTarget("web", url=target)
        path, _, anchor = target.partition("#")
        if not path:
            lesson = current
        else:
            lesson = self._by_name.get(path.removesuffix(".md")) if path.endswith(".md") else None
        if lesson is None:
            raise UserError(f"{current.source}: link {target!r} names no lesson")
        if anchor and not lesson.has_anchor(anchor):
            raise UserError(f"{current.source}: link {target!r}: {lesson.name} has no heading #{anchor}")
        return LinkTarget("anchor" if not path else "lesson", lesson, anchor)


def load_curriculum(directory: Path | None = None) -> Curriculum:
    """The built-in lessons (or every ``*.md`` in ``directory``)."""
    directory = lessons_dir() if directory is None else Path(directory)
    lessons = [parse_lesson(_read_lesson(path), path.name) for path in sorted(directory.glob("*.md"))]
    if not lessons:
        raise UserError(f"no lessons in {directory}")
    return Curriculum(lessons)


def load_lessons(path) -> Curriculum:
    """Lessons of your own: one ``NN-slug.md`` file, or every ``*.md`` file in a folder, in the format of the
    built-in ones. Messages name each file as given (``course/05-gates.md:12: …``)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.md"))
        if not files:
            raise UserError(f"no lessons (*.md files) in {shown(path)}")
    elif path.exists():
        files = [path]
    else:
        raise UserError(f"{shown(path)}: no such file or folder")
    if len(files) > MAX_LESSONS:
        raise UserError(f"{shown(path)}: {len(files)} lessons, more than the {MAX_LESSONS} a course may have")
    return Curriculum([parse_lesson(_read_lesson(file), str(file)) for file in files])


def _read_lesson(path: Path) -> str:
    """A lesson file's text; a file that is not a regular one (a FIFO would block), too large or not UTF-8
    is refused."""
    try:
        if not path.is_file():
            raise UserError(f"{shown(path)}: not a regular file")
        size = path.stat().st_size
        if size > MAX_LESSON_BYTES:
            raise UserError(f"{shown(path)}: {size:,} bytes; a lesson is at most {MAX_LESSON_BYTES:,}")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{shown(path)}: cannot read it ({error})") from None
