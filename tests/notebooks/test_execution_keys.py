"""An execution is reused while its key holds: the chapter's code, the d2lrnn files it runs
(found by following its imports), the environment. A file the chapter runs but the key
missed would leave a stale execution, so the test runs a chapter and compares."""

import sys

import nbformat
from nbclient import NotebookClient

from tests.notebooks.execute import LIBRARY, ROOT, code_of, library_digest, library_files


def test_the_files_follow_the_imports():
    code = (
        "import d2lrnn\nfrom d2lrnn import seq2seq\nd2lrnn.seed(0)\n"
        "from d2lrnn.exercises import check_exercise"
    )
    names = {p.relative_to(LIBRARY).as_posix() for p in library_files(code)}
    assert {"__init__.py", "seq2seq.py", "runtime.py", "compat.py", "doctor.py"} <= names
    assert {"layers.py", "translation.py", "deep.py"} <= names  # what seq2seq imports
    assert {"exercises/__init__.py", "exercises/core.py", "exercises/ch07.py"} <= names
    assert "series.py" not in names and "widgets/beam.py" not in names
    plain = {p.relative_to(LIBRARY).as_posix() for p in library_files("import d2lrnn")}
    assert "seq2seq.py" not in plain and "runtime.py" not in plain


def test_the_key_changes_with_the_files_a_chapter_runs_only(tmp_path, monkeypatch):
    files = library_files("from d2lrnn import text")
    assert library_digest(files) == library_digest(set(files))
    other = LIBRARY / "seq2seq.py"
    assert other not in files
    assert library_digest(files) != library_digest(files | {other})


def test_a_chapter_loads_no_d2lrnn_module_its_key_misses(tmp_path):
    chapter = ROOT / "chapters" / "01_sequence_models.ipynb"
    nb = nbformat.read(chapter, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys\nprint(sorted(m.__file__ for n, m in list(sys.modules.items())"
        " if n.split('.')[0] == 'd2lrnn' and getattr(m, '__file__', None)))"
    ))  # fmt: skip
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(chapter.parent)}})  # fmt: skip
    client.execute()
    loaded = {p for p in eval(nb.cells[-1].outputs[0].text)}  # noqa: S307 (our own output)
    keyed = {str(p) for p in library_files(code_of(chapter))}
    assert loaded, "the chapter loaded no d2lrnn module?"
    assert loaded <= keyed, sorted(loaded - keyed)
    assert sys.version_info >= (3, 11)
