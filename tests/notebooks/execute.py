"""Execute every chapter in one or more Python environments, two chapters at a time.

    python -m tests.notebooks.execute --env 3.11=.venvs/3.11 --env 3.13=.venvs/3.13 \\
        --book 3.11 [--jobs 2] [--only 01,03] [--env colab=.venvs/colab:colab]

Each chapter runs top to bottom in a fresh kernel of its environment's Python
(``<venv>/bin/python``), in the chapter's folder, as the book build would run
it. The executed notebook goes to ``_build/executed/<env>/<chapter>.ipynb``
with its wall time in ``_build/executed/<env>/times.json``; those of the
``--book`` environment also go into the book's jupyter-cache
(``_build/.jupyter_cache``), so that ``jupyter-book build`` renders them
without executing anything again. The tests read them there
(``tests/notebooks/test_chapters.py``: every chapter ran without an error, in
every environment, and printed the same numbers in all of them).

Jobs from every environment share one pool of ``--jobs`` workers (default:
the number of CPUs), the longest first (by the last run's times). MXNet runs
one OpenMP thread by default on two cores, so two chapters at a time use both;
chapter 7 asks for two threads unless ``MXNET_OMP_MAX_THREADS`` is already
set, and here it is: each kernel gets the CPUs divided by the jobs (one each
on two cores), which changes chapter 7's time and none of the text it prints
(``make chapter-times`` runs each chapter alone, chapter 7 on its two
threads, and compares what it prints with this build's; chapter 5, run on
two threads, printed one float32 round-off difference, 2.0e-06 instead of
1.3e-06, which is why it keeps MXNet's default). The kernels also get ``OMP_WAIT_POLICY=PASSIVE``:
an OpenMP thread that waits then sleeps instead of spinning, and so does not
take the core from the other chapter (measured here: a 1-thread training run
beside a 2-thread one took 7.2 s with spinning threads, 5.0 s with sleeping
ones, as long as alone; alone, both policies take the same time). It changes
no number: which thread computes what is the same.

An environment given as ``NAME=VENV:colab`` is Colab-like: its kernels get
``COLAB_RELEASE_TAG`` (what Colab sets) and ``D2LRNN_SOURCE`` (this folder),
so each chapter's first cell installs what Colab lacks from here, as it would
on Colab from GitHub. Its first chapter runs alone (it installs); the others
follow. Exits with status 1 if a chapter raised, after running the others.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.notebooks.runner import execute, toc_chapters  # noqa: E402

EXECUTED = ROOT / "_build" / "executed"
BOOK_CACHE = ROOT / "_build" / ".jupyter_cache"
#: What Colab sets in its kernels' environment (d2lrnn.doctor and the first cells read it).
COLAB_ENV = {"COLAB_RELEASE_TAG": "d2lrnn-colab-like"}
#: The repository as `git clone` would give it (what pip installs on Colab from GitHub):
#: the files git tracks or would track, without build leftovers.
SOURCE = ROOT / "_build" / "colab-source"
#: MXNet's OpenMP threads per kernel: the CPUs shared by the jobs (main() sets it).
THREADS = 1


def export_source() -> None:
    """Copy the working tree's files (tracked, or new and not ignored) to :data:`SOURCE`."""
    import shutil

    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    shutil.rmtree(SOURCE, ignore_errors=True)
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (SOURCE / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, SOURCE / name)


@dataclass
class Environment:
    """Where to run: a name (``3.13``), a venv, and whether it plays Colab."""

    name: str
    venv: Path
    colab: bool = False
    times: dict[str, float] = field(default_factory=dict)  # this run's, by chapter
    keys: dict[str, str] = field(default_factory=dict)  # this run's, by chapter

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def out(self) -> Path:
        return EXECUTED / self.name

    def kernel_env(self) -> dict[str, str]:
        shared = {
            "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
            "MXNET_OMP_MAX_THREADS": str(THREADS),
        }
        if not self.colab:
            return shared
        return {**shared, **COLAB_ENV, "D2LRNN_SOURCE": str(SOURCE)}

    def key(self, chapter: Path) -> str:
        """What an execution depends on: the chapter's code, the d2lrnn modules it imports,
        and the environment."""
        code = code_of(chapter)
        digest = hashlib.sha256(code.encode())
        digest.update(library_digest(library_files(code)).encode())
        stamp = self.venv / ".installed"  # the Makefile writes the lock file's digest in it
        digest.update(stamp.read_bytes() if stamp.exists() else b"")
        return digest.hexdigest()

    def reset_to_colab(self) -> None:
        """Uninstall what is not Colab's (requirements/colab.txt): d2lrnn, MXNet, sacrebleu ..."""
        from requirements.lock import canonical, read_pins

        colab = read_pins(ROOT / "requirements" / "colab.txt")
        frozen = subprocess.run(
            [str(self.python), "-m", "pip", "list", "--format=freeze"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        extra = [line.split("==")[0] for line in frozen if "==" in line]
        extra = [n for n in extra if canonical(n) not in colab and canonical(n) != "pip"]
        if extra:
            subprocess.run(
                [str(self.python), "-m", "pip", "uninstall", "--quiet", "--yes", *extra],
                check=True,
            )
            print(f"[{self.name}] reset to Colab's packages: uninstalled {', '.join(extra)}")


def code_of(chapter: Path) -> str:
    nb = nbformat.read(chapter, as_version=4)
    return "\n\0".join(c.source for c in nb.cells if c.cell_type == "code")


LIBRARY = ROOT / "d2lrnn"


def _module_file(dotted: str) -> Path | None:
    """``d2lrnn.widgets.beam`` -> its file (a module or a package's ``__init__.py``)."""
    path = ROOT.joinpath(*dotted.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _homes() -> dict[str, str]:
    """d2lrnn's convenience names (``d2lrnn.seed``) by module, read from its ``__init__.py``."""
    tree = ast.parse((LIBRARY / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "_HOMES":
            return ast.literal_eval(node.value)
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "_HOMES" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise RuntimeError("d2lrnn/__init__.py has no _HOMES")


def _imported(tree: ast.AST, package: str) -> set[str]:
    """The dotted names of the d2lrnn modules (or names in them) that ``tree`` imports;
    ``package`` resolves relative imports."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "d2lrnn"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "d2lrnn":
                out.add(module)
                out |= {f"{module}.{a.name}" for a in node.names}
    return out


def library_files(code: str) -> set[Path]:
    """The files of d2lrnn that ``code`` (a chapter's code cells) runs: the modules it imports
    or reaches as ``d2lrnn.name``, and everything they import, recursively."""
    homes = _homes()
    names = {"d2lrnn"}
    names |= {f"d2lrnn.{n}" for n in re.findall(r"\bd2lrnn\.(\w+)", code)}
    for match in re.finditer(
        r"^\s*(from\s+d2lrnn[\w.]*\s+import\s+[^\n]+|import\s+d2lrnn[\w.]*)", code, flags=re.M
    ):
        line = match.group(1).split("#")[0].strip().rstrip("(\\")
        try:
            names |= _imported(ast.parse(line), "")
        except SyntaxError:  # a parenthesised import over several lines: take the module
            names.add(line.split()[1])
    files: set[Path] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        head, _, last = name.rpartition(".")
        if head == "d2lrnn" and last in homes:
            name = f"d2lrnn.{homes[last]}"
        path = _module_file(name)
        if path is None and head:  # a name in a module: d2lrnn.train.fit
            name, path = head, _module_file(head)
        if path is None or path in files:
            continue
        files.add(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        source = path.read_text()
        todo += _imported(ast.parse(source), package)
        if path.name == "__init__.py" and path.parent != LIBRARY and "pkgutil" in source:
            # a subpackage that imports all of its modules (d2lrnn.exercises registers them)
            todo += [f"{package}.{p.stem}" for p in path.parent.glob("*.py")]
        if path.name != "__init__.py" and "." in name:
            todo.append(name.rpartition(".")[0])  # its package's __init__ runs first
    return files


def library_digest(files: set[Path]) -> str:
    """A digest of the given d2lrnn files and pyproject.toml: when one changes, the chapters
    that run it run again."""
    digest = hashlib.sha256()
    for path in sorted([*files, ROOT / "pyproject.toml"]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def parse_env(text: str) -> Environment:
    """``3.13=.venvs/3.13`` or ``colab=.venvs/colab:colab``."""
    name, sep, rest = text.partition("=")
    venv, _, kind = rest.partition(":")
    if not sep or not name or not venv or kind not in ("", "colab"):
        raise argparse.ArgumentTypeError(f"expected NAME=VENV or NAME=VENV:colab, got {text!r}")
    env = Environment(name, Path(venv).resolve(), colab=kind == "colab")
    if not env.python.exists():
        raise argparse.ArgumentTypeError(f"{env.python} does not exist: make the environment first")
    return env


@dataclass
class Job:
    env: Environment
    chapter: Path
    after: Job | None = None  # runs once this one has finished
    expected: float = 0.0  # seconds, from the last run (for the order)
    seconds: float | None = None
    error: str = ""
    done: threading.Event = field(default_factory=threading.Event)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def last_times(env: Environment) -> dict[str, float]:
    """This environment's last times; on a fresh clone, those ``make chapter-times`` recorded."""
    recorded = read_json(ROOT / "benchmarks" / "results.json").get("chapter_times", {})
    return {**recorded.get("alone", {}), **read_json(env.out / "times.json")}


def up_to_date(env: Environment, chapter: Path) -> bool:
    """Executed before with the same code, library and environment, and without an error."""
    out = env.out / chapter.name
    if not out.exists() or read_json(env.out / "keys.json").get(chapter.stem) != env.key(chapter):
        return False
    nb = nbformat.read(out, as_version=4)
    return not any(o.output_type == "error" for c in nb.cells for o in c.get("outputs", []))


def plan(
    envs: list[Environment], chapters: list[Path], only: dict[str, str], force: bool = False
) -> list[Job]:
    """Every (environment, chapter) job still to do, the longest expected first.

    A chapter already executed with the same code, library and environment is
    not run again (unless ``force``). A Colab-like environment's first job
    runs before its others (its first cell installs what they need), so it
    goes first. ``only`` maps an environment's name to the chapter prefixes it
    runs (``{"3.12": "01,02"}``).
    """
    jobs = []
    for env in envs:
        mine = chapters
        if env.name in only:
            prefixes = only[env.name].split(",")
            mine = [c for c in chapters if any(c.stem.startswith(p) for p in prefixes)]
        previous = last_times(env)
        mine = [Job(env, c) for c in mine if force or not up_to_date(env, c)]
        for i, job in enumerate(mine):
            # Never timed: first, in reverse book order (later chapters are longer).
            job.expected = previous.get(job.chapter.stem, 1000.0 + i)
            if env.colab and i:
                job.after = mine[0]
        jobs += mine
    waited_on = {id(j.after) for j in jobs if j.after is not None}
    return sorted(jobs, key=lambda j: (id(j) in waited_on, j.expected), reverse=True)


def cache_for_the_book(nb: nbformat.NotebookNode, path: Path, seconds: float) -> None:
    """Store an executed chapter where ``jupyter-book build`` (execute_notebooks: cache) looks."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    # jupyter-cache keys a notebook on its code cells with all their metadata; nbclient's
    # timestamps (cell.metadata.execution) would make the key differ from the chapter's.
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    get_cache(BOOK_CACHE).cache_notebook_bundle(
        CacheBundleIn(nb, str(path), data={"execution_seconds": seconds}),
        check_validity=False,
        overwrite=True,
    )


def run_job(job: Job, kernels: Path, book: str | None, lock: threading.Lock, log) -> None:
    env = job.env
    if job.after is not None:
        job.after.done.wait()
    try:
        nb, seconds = execute(
            job.chapter,
            kernel_dirs=[str(kernels / env.name)],
            save_to=env.out,
            kernel_log=env.out / f"{job.chapter.stem}.kernel.log",
        )
        job.seconds = seconds
        if env.name == book:
            with lock:
                cache_for_the_book(nb, job.chapter, seconds)
    except Exception as error:  # a cell raised (CellExecutionError names it), or the kernel died
        job.error = f"{type(error).__name__}: {error}"
    finally:
        job.done.set()
    with lock:
        if job.error:
            log(f"[{env.name}] {job.chapter.stem}: FAILED\n{job.error}")
        else:
            env.times[job.chapter.stem] = round(job.seconds, 1)
            env.keys[job.chapter.stem] = env.key(job.chapter)
            log(f"[{env.name}] {job.chapter.stem}: {job.seconds:.1f} s")


def write_kernelspec(folder: Path, env: Environment) -> None:
    """A kernelspec named python3 that starts ``env``'s Python (nbclient asks for python3)."""
    spec = folder / env.name / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(env.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": f"Python 3 ({env.name})",
                "language": "python",
                "env": env.kernel_env(),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.notebooks.execute", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--env", type=parse_env, action="append", required=True)
    parser.add_argument("--book", help="the environment whose executions the book renders")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--only", default="", help="NAME:01,02[;NAME:...] runs only these chapters there"
    )
    parser.add_argument(
        "--force", action="store_true", help="run every chapter, even those up to date"
    )
    args = parser.parse_args(argv)
    global THREADS
    THREADS = max(1, (os.cpu_count() or 1) // max(1, args.jobs))
    envs = args.env
    if args.book and args.book not in [e.name for e in envs]:
        parser.error(f"--book {args.book}: no --env of that name")
    only = dict(item.split(":", 1) for item in args.only.split(";") if item)
    jobs = plan(envs, toc_chapters(), only, args.force)
    for env in envs:
        if env.colab and any(j.env is env for j in jobs):
            env.reset_to_colab()
            export_source()
    if args.book:  # up-to-date executions the book's cache lacks (it was removed): put them back
        book = next(e for e in envs if e.name == args.book)
        for chapter in toc_chapters():
            done = book.out / chapter.name
            if done.exists() and not any(j.env is book and j.chapter == chapter for j in jobs):
                nb = nbformat.read(done, as_version=4)
                cache_for_the_book(nb, chapter, last_times(book).get(chapter.stem, 0.0))
    lock = threading.Lock()
    start = time.perf_counter()
    print(
        f"executing {len(jobs)} chapters in {len(envs)} environments, {args.jobs} at a time, "
        f"MXNet on {THREADS} thread{'s' * (THREADS > 1)} each"
    )
    with tempfile.TemporaryDirectory(prefix="d2lrnn-kernels-") as tmp:
        for env in envs:
            write_kernelspec(Path(tmp), env)
            env.out.mkdir(parents=True, exist_ok=True)
        todo = list(jobs)

        def worker():
            while True:
                with lock:
                    ready = [j for j in todo if j.after is None or j.after.done.is_set()]
                    if not ready:
                        if not todo:
                            return
                        job = None
                    else:
                        job = ready[0]
                        todo.remove(job)
                if job is None:
                    time.sleep(0.2)
                    continue
                run_job(job, Path(tmp), args.book, lock, lambda m: print(m, flush=True))

        threads = [threading.Thread(target=worker) for _ in range(max(1, args.jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for env in envs:
        for name, new in (("times.json", env.times), ("keys.json", env.keys)):
            merged = {**read_json(env.out / name), **new}
            (env.out / name).write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")
    failed = [j for j in jobs if j.error]
    wall = time.perf_counter() - start
    print(f"done in {wall:.0f} s; {len(jobs) - len(failed)} executed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
