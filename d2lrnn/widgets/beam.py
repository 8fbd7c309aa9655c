"""The beam-search explorer: how beam search decodes a sentence, step by step (chapter 7).

* :func:`beam_data` runs :func:`d2lrnn.seq2seq.beam_search` with
  ``trace=True`` for every sentence, beam size and length-normalisation
  exponent ``alpha``, and keeps each trace with its tokens as strings;
* :func:`draw_beam_frame` draws one step of one search: the live
  hypotheses with their cumulative log-probabilities, the pruned
  candidates (grey), and the finished hypotheses ranked by their
  length-normalised score ``log P / len^alpha``, the chosen translation
  highlighted at the last step;
* :func:`beam_explorer` shows them, one precomputed frame per setting and
  step, switched by the controls.

For a model whose decoder attends (:class:`d2lrnn.seq2seq.AttentionDecoder`),
each frame also shows, beside every hypothesis new at that step, the
attention weights over the source's tokens with which the model chose the
hypothesis's last token.

``alpha`` only ranks *finished* hypotheses: which hypotheses stay alive
depends on the log-probability alone. Until a hypothesis finishes, the
frames of every ``alpha`` are therefore the same picture, and they share one
frame (see :meth:`BeamData.key`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.text import Annotation

from ..checks import check_choice, check_device, check_int, check_number, check_sequence
from ..runtime import default_device
from ..seq2seq import BeamStep, EncoderDecoder, Hypothesis, beam_search, check_model_for
from ..translation import BOS, EOS, TranslationData, detokenize, source_tokens, tokenize
from .frames import FrameExplorer, figure_png

__all__ = [
    "BeamData",
    "BeamTrace",
    "beam_data",
    "beam_explorer",
    "describe_beam_frame",
    "draw_beam_frame",
]

#: The largest beam size the explorer draws (every hypothesis gets a row of its frame).
MAX_BEAM = 16
#: The most pruned candidates a frame lists.
MAX_PRUNED = 8


@dataclass
class BeamTrace:
    """One beam search: a source sentence decoded with one beam size and one ``alpha``.

    ``steps`` is :func:`~d2lrnn.seq2seq.beam_search`'s trace for this sentence,
    with every hypothesis's tokens as strings (``'<eos>'`` included where a
    hypothesis ended with it). ``translation`` is the search's result (its
    tokens, without ``<eos>``) and ``chosen`` the index, in the last step's
    ``finished`` list, of the hypothesis it comes from.
    """

    sentence: str
    beam_size: int
    alpha: float
    steps: list[BeamStep]
    translation: list[str]
    chosen: int

    @property
    def num_steps(self) -> int:
        """How many steps the search took."""
        return len(self.steps)


@dataclass
class BeamData:
    """Every beam search the explorer shows: ``traces[(sentence, beam_size, alpha)]``.

    ``sentences`` are normalised (:func:`d2lrnn.translation.normalize`);
    ``max_len`` and ``num_pruned`` are the searches' (see :func:`beam_data`).
    ``num_steps`` is the longest search's number of steps: the step slider's
    range (a search that ended earlier shows its last step beyond its end).
    ``source_tokens[sentence]`` lists the tokens the encoder read (words or
    subwords, ``<unk>`` for an unknown word): the attention weights' columns.
    Subwords, here and in the traces, mark the start of a word with ``"▁"`` in
    place of its space (``" chien"`` is ``"▁chien"``).
    """

    sentences: tuple[str, ...]
    beam_sizes: tuple[int, ...]
    alphas: tuple[float, ...]
    max_len: int
    num_pruned: int
    traces: dict
    source_tokens: dict = field(default_factory=dict)

    @property
    def num_steps(self) -> int:
        """The most steps any of the searches took."""
        return max(trace.num_steps for trace in self.traces.values())

    def trace(self, sentence: str, beam_size: int, alpha: float) -> BeamTrace:
        """The search of ``sentence`` (as given to :func:`beam_data`, or normalised, as in
        ``sentences``) with this beam size and ``alpha``."""
        if isinstance(sentence, str):
            sentence = detokenize(tokenize(sentence))
        check_choice(sentence, "sentence", self.sentences)
        check_choice(beam_size, "beam_size", self.beam_sizes)
        check_choice(alpha, "alpha", self.alphas)
        return self.traces[(sentence, beam_size, alpha)]

    def key(self, sentence: str, beam_size: int, alpha: float, step: int) -> tuple:
        """What a frame shows, as a key: settings whose frames would be equal share it.

        A step past the end of a search shows its last step; ``alpha`` counts
        only once a hypothesis has finished (it ranks finished hypotheses, and
        nothing else).
        """
        trace = self.trace(sentence, beam_size, alpha)
        t = min(check_int(step, "step", 1, self.num_steps), trace.num_steps)
        shown, sentence = trace.steps[t - 1], trace.sentence
        if not shown.finished:
            alpha = None
        # The frame shows the live and pruned hypotheses' log-probabilities, and the scores
        # of the finished ones only (every hypothesis has a score, which depends on alpha).
        content = tuple(
            tuple((tuple(h.tokens), h.log_prob) for h in hs) for hs in (shown.alive, shown.pruned)
        ) + (tuple((tuple(h.tokens), h.log_prob, h.score) for h in shown.finished),)
        ending = (tuple(trace.translation), trace.chosen) if t == trace.num_steps else None
        return (sentence, beam_size, alpha, t, trace.num_steps, content, ending)


def _check_distinct(values: tuple, arg: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{arg} must not repeat a value (one button each), got {values!r}")


def beam_data(
    model: EncoderDecoder,
    data: TranslationData,
    sentences: list[str],
    beam_sizes: tuple[int, ...] = (1, 2, 4, 8),
    alphas: tuple[float, ...] = (0.0, 0.5, 1.0),
    max_len: int | None = None,
    num_pruned: int = 4,
    device=None,
) -> BeamData:
    """Beam search of every sentence with every beam size and ``alpha``, traced step by step.

    Args:
        model: a trained :class:`~d2lrnn.seq2seq.EncoderDecoder` for ``data``'s
            vocabularies.
        data: the :class:`~d2lrnn.translation.TranslationData` the model was
            trained on: its vocabularies encode the sentences and decode the
            hypotheses.
        sentences: English sentences (e.g. some of ``data.test.sources``),
            each of 1 to ``data.max_len`` words and all different.
        beam_sizes: beam sizes, each from 1 (greedy decoding) to 16.
        alphas: length-normalisation exponents, each ``>= 0``: finished
            hypotheses are ranked by ``log P / len^alpha``.
        max_len: the most target tokens a search produces (``<eos>``
            included); by default ``data.max_target_steps``, as in training.
        num_pruned: how many pruned candidates each step records (0 to 8).
        device: where the model's parameters are (by default
            :func:`d2lrnn.default_device`, as for training).

    Returns a :class:`BeamData`; its traces are those of
    :func:`~d2lrnn.seq2seq.beam_search`, one search per beam size and ``alpha``
    over all the sentences at once (with the attention weights of each step,
    for a model that attends).
    """
    model = check_model_for(model, data)
    sentences = check_sequence(sentences, "sentences")
    normalised = []
    for i, sentence in enumerate(sentences):
        normalised.append(detokenize(source_tokens(sentence, data.max_len, f"sentences[{i}]")))
        data.source_units(sentence, f"sentences[{i}]")  # in subwords too, it must fit
    sentences = tuple(normalised)
    _check_distinct(sentences, "sentences")
    beam_sizes = check_sequence(beam_sizes, "beam_sizes")
    beam_sizes = tuple(
        check_int(k, f"beam_sizes[{i}]", 1, MAX_BEAM) for i, k in enumerate(beam_sizes)
    )
    _check_distinct(beam_sizes, "beam_sizes")
    alphas = check_sequence(alphas, "alphas")
    alphas = tuple(check_number(a, f"alphas[{i}]", 0) for i, a in enumerate(alphas))
    _check_distinct(alphas, "alphas")
    max_len = data.max_target_steps if max_len is None else check_int(max_len, "max_len", 1)
    num_pruned = check_int(num_pruned, "num_pruned", 0, MAX_PRUNED)
    device = check_device(device) or default_device()

    rows = [data.encode_source(s) for s in sentences]
    src = np.concatenate([row for row, _ in rows])
    src_len = np.array([n for _, n in rows], dtype=np.int32)
    vocab = data.tgt_vocab
    bos, eos = vocab[BOS], vocab[EOS]

    def marked(tokens: list[str], bpe) -> list[str]:
        # A subword that starts a word carries its space; shown as "▁" (SentencePiece's mark),
        # so that joining the tokens with spaces keeps the word boundaries visible.
        return [("▁" + t[1:] if t.startswith(" ") else t) for t in tokens] if bpe else tokens

    def as_strings(h: Hypothesis) -> Hypothesis:
        return replace(h, tokens=marked(vocab.to_tokens(list(h.tokens)), data.tgt_bpe))

    traces = {}
    for k in beam_sizes:
        for alpha in alphas:
            best, steps = beam_search(
                model, src, src_len, bos, eos, max_len, beam_size=k, alpha=alpha, trace=True,
                num_pruned=num_pruned, device=device,
            )  # fmt: skip
            for sentence, tokens, trace in zip(sentences, best, steps, strict=True):
                shown = [
                    BeamStep(
                        s.step,
                        [as_strings(h) for h in s.alive],
                        [as_strings(h) for h in s.pruned],
                        [as_strings(h) for h in s.finished],
                        s.attention,
                    )
                    for s in trace
                ]
                translation = marked(vocab.to_tokens(list(tokens)), data.tgt_bpe)
                last = shown[-1].finished
                chosen = next(
                    (
                        i
                        for i, h in enumerate(last)
                        if [t for t in h.tokens if t != EOS] == translation
                    ),
                    -1,
                )
                traces[(sentence, k, alpha)] = BeamTrace(
                    sentence, k, alpha, shown, translation, chosen
                )
    source = {
        s: marked(data.src_vocab.to_tokens(row[0, :n].tolist()), data.src_bpe)
        for s, (row, n) in zip(sentences, rows)
    }
    return BeamData(sentences, beam_sizes, alphas, max_len, num_pruned, traces, source)


def _check_data(data: object) -> BeamData:
    if not isinstance(data, BeamData):
        raise TypeError(f"data must be a BeamData (see beam_data), got {type(data).__name__}")
    return data


# -------------------------------------------------------------------- the frames

WIDTH, PITCH, MARGIN, FONT = 9.0, 0.25, 0.12, 10.5  # inches, inches, inches, points
CELL = 0.34  # inches: one source token's column of the attention weights
COLUMNS = {"mark": 0.12, "tokens": 0.8, "log_prob": 6.75, "length": 7.55, "score": 8.85}
MAX_CHARS = 58  # a hypothesis longer than this is shown by its end, after "…"
ALIVE, PRUNED, FINISHED, CHOSEN = "#1f4e9c", "0.6", "#1b7a3a", "#fff0a8"


def _num(x: float) -> str:
    return f"{x:.2f}".replace("-", "−")


def _new(shown: BeamStep, before: BeamStep | None) -> set[int]:
    """The indices of ``shown.finished`` that finished at this step."""
    old = {(tuple(h.tokens), h.log_prob) for h in (before.finished if before else [])}
    return {i for i, h in enumerate(shown.finished) if (tuple(h.tokens), h.log_prob) not in old}


def _attention_rows(shown: BeamStep, new: set[int]) -> tuple[list, list]:
    """The attention rows of the hypotheses new at this step: ``(alive rows, finished rows)``,
    each a list of ``(index in its list, weights)``."""
    if not shown.attention:
        return [], []
    alive = list(enumerate(shown.attention[: len(shown.alive)]))
    ended = [i for i in range(len(shown.finished)) if i in new]
    return alive, list(zip(ended, shown.attention[len(shown.alive) :]))


def _shown(data: BeamData, sentence, beam_size, alpha, step) -> tuple[BeamTrace, int]:
    """The trace and the step (1-based) that a frame shows, once every argument is checked."""
    _check_data(data)
    trace = data.trace(sentence, beam_size, alpha)
    t = min(check_int(step, "step", 1, data.num_steps), trace.num_steps)
    return trace, t


def _status(data: BeamData, trace: BeamTrace, t: int) -> str:
    """Why the search goes on, or why it stops, at step ``t``."""
    if t < trace.num_steps:
        return "the search goes on"
    if t == data.max_len:
        return f"the longest translation allowed (max_len = {data.max_len}), so the search stops"
    if not trace.steps[t - 1].alive:
        return "no hypothesis is left alive, so the search stops"
    return f"{trace.beam_size} hypotheses have finished, so the search stops"


def draw_beam_frame(data: BeamData, sentence: str, beam_size: int, alpha: float, step: int):
    """The explorer's figure for one search at one step; returns the figure.

    A table of hypotheses, each as its target tokens, the token added at
    its last step in bold: the live ones (the beam, by cumulative
    log-probability ``log P``), the best pruned candidates (grey), and the
    finished ones, ranked by ``log P / len^alpha`` (``len`` counts
    ``<eos>``), those that finished at this step marked "new". At the
    search's last step the chosen translation is highlighted. A ``step``
    past the end of the search shows its last step. The figure's height
    depends on the beam size only, so that moving the step slider keeps the
    picture in place. For a model that attends, a column of the source's
    tokens on the right holds, in the row of every hypothesis new at this
    step, the attention weights with which its last token was chosen (dark:
    near 1).
    """
    trace, t = _shown(data, sentence, beam_size, alpha, step)
    shown = trace.steps[t - 1]
    last = t == trace.num_steps
    pruned_rows = max(1, data.num_pruned)
    # Rows: source, status, column heads; the beam's head and beam_size rows; the pruned
    # head and pruned_rows rows; the finished head and beam_size rows; the translation.
    alive_at, pruned_at = 4, 4 + beam_size
    finished_at = pruned_at + 1 + pruned_rows
    height = 2 * MARGIN + (finished_at + 2 + beam_size) * PITCH
    source = data.source_tokens.get(trace.sentence, [])
    attends = bool(source) and any(s.attention for s in trace.steps)
    width = WIDTH + (len(source) * CELL + 0.3 if attends else 0.0)
    fig = plt.figure(figsize=(width, height))

    def put(row: int, column: str, text: str, ha: str = "left", **style):
        y = height - MARGIN - (row + 0.5) * PITCH
        style = {"fontsize": FONT, "va": "center", "ha": ha, "parse_math": False, **style}
        return fig.text(COLUMNS[column], y, text, transform=fig.dpi_scale_trans, **style)

    def put_tokens(row: int, tokens: list[str], color: str = "k", chosen: bool = False) -> None:
        """The hypothesis's tokens, the one its last step added in bold."""
        style = {"color": color}
        if chosen:
            style["bbox"] = {"facecolor": CHOSEN, "edgecolor": "none", "pad": 2}
        *prefix, newest = tokens
        if not prefix:
            put(row, "tokens", newest, fontweight="bold", **style)
            return
        text, room = " ".join(prefix), max(10, MAX_CHARS - 1 - len(newest))
        if len(text) > room:  # keep the end, which the last steps made
            text = "…" + text[-(room - 1) :]
        first = put(row, "tokens", text, **style)
        style |= {"fontsize": FONT, "va": "center", "parse_math": False, "fontweight": "bold"}
        fig.add_artist(Annotation(" " + newest, (1.0, 0.5), xycoords=first, **style))

    put(0, "mark", f'Source: "{trace.sentence}"    beam size {beam_size}', fontsize=FONT + 1.5,
        fontweight="bold")  # fmt: skip
    put(1, "mark", f"Step {t} of {trace.num_steps}: {_status(data, trace, t)}.")
    for column, label in (("log_prob", "log P"), ("length", "len"), ("score", "log P / len^α")):
        put(2, column, label, ha="right", color="0.35", fontsize=FONT - 1)
    put(2, "tokens", "hypothesis (target tokens)", color="0.35", fontsize=FONT - 1)

    head = (
        f"alive: the beam, the {beam_size} best by log P"
        if beam_size > 1
        else "alive: the beam, the best by log P"
    )
    if last and shown.alive:
        head += " (dropped: the search stops)"
    put(alive_at - 1, "mark", head, color=ALIVE, fontweight="bold")
    if not shown.alive:
        put(alive_at, "tokens", "none: every hypothesis has finished", color="0.35",
            style="italic")  # fmt: skip
    for i, h in enumerate(shown.alive):
        put(alive_at + i, "mark", f"{i + 1}", color=ALIVE)
        put_tokens(alive_at + i, h.tokens)
        put(alive_at + i, "log_prob", _num(h.log_prob), ha="right")
        put(alive_at + i, "length", str(len(h.tokens)), ha="right")

    put(pruned_at, "mark", "pruned: the best candidates that did not fit", color=PRUNED,
        fontweight="bold")  # fmt: skip
    if not shown.pruned:
        none = "none" if data.num_pruned else "not recorded (num_pruned = 0)"
        put(pruned_at + 1, "tokens", none, color=PRUNED, style="italic")
    for i, h in enumerate(shown.pruned):
        row = pruned_at + 1 + i
        put(row, "mark", "cut", color=PRUNED)
        put_tokens(row, h.tokens, color=PRUNED)
        put(row, "log_prob", _num(h.log_prob), ha="right", color=PRUNED)
        put(row, "length", str(len(h.tokens)), ha="right", color=PRUNED)

    if shown.finished:
        head = f"finished: ranked by log P / len^α, α = {trace.alpha:g}"
    else:
        head = "finished: none yet (α ranks finished hypotheses only)"
    put(finished_at, "mark", head, color=FINISHED, fontweight="bold")
    new = _new(shown, trace.steps[t - 2] if t > 1 else None)
    for i, h in enumerate(shown.finished):
        row, chosen = finished_at + 1 + i, last and i == trace.chosen
        bold = {"fontweight": "bold"} if chosen else {}
        mark = "chosen" if chosen else ("new" if i in new else "")
        put(row, "mark", mark, color=FINISHED, fontsize=FONT - 1, **bold)
        put_tokens(row, h.tokens, chosen=chosen)
        put(row, "log_prob", _num(h.log_prob), ha="right", **bold)
        put(row, "length", str(len(h.tokens)), ha="right", **bold)
        put(row, "score", _num(h.score), ha="right", color=FINISHED, **bold)
    if last:
        put(finished_at + 1 + beam_size, "mark", f"translation: {_quote(trace.translation)}",
            fontweight="bold", color=FINISHED)  # fmt: skip
    if attends:
        _draw_attention(fig, shown, new, source, height, (alive_at, finished_at + 1))
    return fig


def _draw_attention(fig, shown: BeamStep, new: set[int], source: list[str], height, starts):
    """The weights of each new hypothesis, in its row, over the source tokens (columns)."""
    x = (WIDTH + 0.15) / fig.get_figwidth()
    w = len(source) * CELL / fig.get_figwidth()
    top = height - MARGIN - starts[0] * PITCH
    label = fig.text(x + w / 2, (top + 1.6 * PITCH) / height, "attention on the source",
                     ha="center", va="bottom", fontsize=FONT - 1, color="0.35")  # fmt: skip
    label.set_gid("attention-head")
    for j, token in enumerate(source):
        fig.text(x + (j + 0.5) * CELL / fig.get_figwidth(), (top + 0.1 * PITCH) / height,
                 token, rotation=60, ha="left", va="bottom", fontsize=FONT - 2.5,
                 parse_math=False)  # fmt: skip
    for start, rows in zip(starts, _attention_rows(shown, new)):
        for i, weights in rows:
            y = height - MARGIN - (start + i + 0.92) * PITCH
            ax = fig.add_axes((x, y / height, w, 0.84 * PITCH / height))
            ax.imshow(np.asarray(weights)[None, :], cmap="Greys", vmin=0, vmax=1, aspect="auto")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color("0.75")


def _quote(tokens: list[str]) -> str:
    """Tokens as a quoted sentence; the empty translation (``<eos>`` first) said in words."""
    return f'"{" ".join(tokens)}"' if tokens else "empty (<eos> came first)"


def describe_beam_frame(
    data: BeamData, sentence: str, beam_size: int, alpha: float, step: int
) -> str:
    """The frame's alt text: the step, every hypothesis on show and, at the end, the choice."""
    trace, t = _shown(data, sentence, beam_size, alpha, step)
    shown = trace.steps[t - 1]

    def listed(hs: list[Hypothesis], score: bool = False) -> str:
        return "; ".join(
            f'"{" ".join(h.tokens)}" ('
            + (f"score {_num(h.score)}, " if score else "")
            + f"log P {_num(h.log_prob)})"
            for h in hs
        )

    parts = [
        f'Beam search of "{trace.sentence}" with beam size {beam_size}, step {t} of '
        f"{trace.num_steps}: {_status(data, trace, t)}."
    ]
    if shown.alive:
        parts.append(f"Alive, by log-probability: {listed(shown.alive)}.")
    else:
        parts.append("No hypothesis is alive.")
    if shown.pruned:
        parts.append(f"Pruned: {listed(shown.pruned)}.")
    if shown.finished:
        parts.append(
            f"Finished, ranked by log P / len^α with α = {trace.alpha:g}: "
            f"{listed(shown.finished, score=True)}."
        )
    else:
        parts.append("None has finished yet.")
    if t == trace.num_steps:
        parts.append(f"The chosen translation: {_quote(trace.translation)}.")
    source = data.source_tokens.get(trace.sentence, [])
    alive, ended = _attention_rows(shown, _new(shown, trace.steps[t - 2] if t > 1 else None))
    looked = [(shown.alive[i], w) for i, w in alive] + [(shown.finished[i], w) for i, w in ended]
    if looked and source:
        parts.append(
            "Attention behind each new token: "
            + "; ".join(
                f'"{h.tokens[-1]}" looked most at "{source[int(np.argmax(w))]}" '
                f"({float(np.max(w)):.2f})"
                for h, w in looked
            )
            + "."
        )
    return " ".join(parts)


def beam_explorer(data: BeamData) -> FrameExplorer:
    """The beam-search explorer: sentence, beam size, ``alpha`` and step switch precomputed frames.

    ``data`` comes from :func:`beam_data`. Frames that would be equal share
    one (a search that has ended; every ``alpha`` before any hypothesis has
    finished). The widget has the CSS class ``beam-explorer``.
    """
    data = _check_data(data)
    steps = tuple(range(1, data.num_steps + 1))
    explorer = FrameExplorer(
        [
            ("sentence", list(data.sentences), data.sentences, "buttons"),
            ("beam size", [str(k) for k in data.beam_sizes], data.beam_sizes, "buttons"),
            (
                "length normalisation α",
                [f"{a:g}" for a in data.alphas],
                data.alphas,
                "buttons",
            ),
            ("decoding step", [str(t) for t in steps], steps, "slider"),
        ],
        lambda *v: figure_png(draw_beam_frame(data, *v), tight=False),
        key=data.key,
        describe=lambda *v: describe_beam_frame(data, *v),
    )
    explorer.controls[0].style.button_width = "auto"  # the whole sentence on its button
    explorer.add_class("beam-explorer")
    return explorer
