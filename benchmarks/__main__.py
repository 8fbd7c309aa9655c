"""One entry point for the measurements: ``python -m benchmarks [lm|chapters] [options]``.

* ``lm`` (the default, ``make bench``): the book's language models against
  d2l's, side by side; writes ``benchmarks/results.json`` and the README's table.
* ``chapters``: executes every chapter in a fresh kernel and prints its wall time.
* ``parity``: d2l's training and the book's from the same weights on the same
  minibatches: how far their losses drift apart, and both perplexities.

``python -m benchmarks lm --help`` (or ``chapters --help``, ``parity --help``) lists the options.
"""

import sys

from benchmarks import execute_chapters, lm, parity

COMMANDS = {"lm": lm.main, "chapters": execute_chapters.main, "parity": parity.main}


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
