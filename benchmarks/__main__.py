"""One entry point for the measurements: ``python -m benchmarks [lm|chapters] [options]``.

* ``lm`` (the default, ``make bench``): the book's language models against
  d2l's, side by side; writes ``benchmarks/results.json`` and the README's table.
* ``chapters``: executes every chapter in a fresh kernel and prints its wall time.

``python -m benchmarks lm --help`` (or ``chapters --help``) lists the options.
"""

import sys

from benchmarks import execute_chapters, lm

COMMANDS = {"lm": lm.main, "chapters": execute_chapters.main}


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
