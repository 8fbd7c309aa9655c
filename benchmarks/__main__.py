"""One entry point for the measurements: ``python -m benchmarks [COMMAND] [options]``.

* ``lm`` (the default, ``make bench``): the book's language models against
  d2l's, side by side; writes ``benchmarks/results.json`` and the README's table.
* ``seq2seq`` (``make bench``, after ``lm``): the book's encoder-decoder
  translation model against d2l's, speed and BLEU; adds its entry to
  ``benchmarks/results.json``. It runs MXNet with ``MXNET_OMP_MAX_THREADS``
  (``--threads``, default 2) in fresh processes, started after it is set.
* ``ablations`` (``make bench``, after ``seq2seq``): chapter 7's variants of
  the translation model (scheduled sampling, reversed sources, an encoder
  that reads the padding, attention), seed by seed, against the forward
  model: perplexities, BLEU and chrF, by source length too; adds the entry
  ``"seq2seq_ablations"`` to ``benchmarks/results.json``, which chapter 7
  quotes. Fresh processes, ``MXNET_OMP_MAX_THREADS`` as for ``seq2seq``.
* ``depth``: chapter 6's depth against width (three GRU language models of about the
  same size) over three seeds; adds ``"depth_width"`` to ``benchmarks/results.json``,
  which chapter 6 reads.
* ``tuning``: chapter 7's learning rate and number of epochs, chosen on the validation
  split only (three learning rates, three seeds); adds ``"seq2seq_tuning"``.
* ``subwords``: chapter 7's bidirectional attention model on words and on BPE
  subwords, each side tuned on the validation split, then three seeds on the test split;
  adds ``"seq2seq_subwords"``.
* ``seeds``: chapters 3 to 6's Jordan/Elman networks, truncation lengths, cells and taggers
  on three seeds;
  adds ``"chapter_seeds"``, which those chapters read beside their live seed 0.
* ``chapters``: executes every chapter alone in a fresh kernel and prints its wall time
  beside its time in the last parallel build (``make chapter-times``).
* ``parity``: d2l's training and the book's from the same weights on the same
  minibatches: how far their losses drift apart, and both perplexities.

``python -m benchmarks lm --help`` (or ``seq2seq``, ``ablations``, ``chapters``, ``parity
--help``) lists the options.
"""

import sys

from benchmarks import (
    ablations,
    depth,
    execute_chapters,
    lm,
    parity,
    seeds,
    seq2seq,
    subwords,
    tuning,
)

COMMANDS = {
    "lm": lm.main,
    "seq2seq": seq2seq.main,
    "ablations": ablations.main,
    "chapters": execute_chapters.main,
    "depth": depth.main,
    "parity": parity.main,
    "tuning": tuning.main,
    "seeds": seeds.main,
    "subwords": subwords.main,
}


def main(argv: list[str]) -> None:
    command = "lm"
    if argv and not argv[0].startswith("-"):
        command, argv = argv[0], argv[1:]
    if command not in COMMANDS:
        sys.exit(
            f"python -m benchmarks: unknown command {command!r}; expected one of {list(COMMANDS)}"
        )
    COMMANDS[command](argv)


if __name__ == "__main__":
    main(sys.argv[1:])
