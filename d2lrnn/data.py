"""Data files: find, download, verify and cache the book's data sets.

Every data file is identified by its name and SHA-1 digest. A file is looked
up, in this order:

1. in the folder named by the environment variable ``D2LRNN_DATA_DIR`` (the
   offline path: point it at a folder that already holds the files);
2. in the download cache, ``D2LRNN_CACHE_DIR`` or ``~/.cache/d2lrnn``;
3. on d2l's data mirror (``DATA_URL``), downloaded into the cache.

A file whose digest does not match is never used: the loader raises
:class:`DataFileError` (for a file you provided) or downloads a fresh copy
(for a corrupt cache entry).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .checks import check_number

__all__ = [
    "CACHE_DIR_ENV",
    "DATA_DIR_ENV",
    "DATA_FILES",
    "DATA_URL",
    "DataFile",
    "DataFileError",
    "cache_dir",
    "download",
    "read_fra_eng",
    "read_time_machine",
    "sha1sum",
]

#: The mirror d2l downloads from (``d2l.mxnet.DATA_URL``).
DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
#: Environment variable naming a folder that already holds the data files.
DATA_DIR_ENV = "D2LRNN_DATA_DIR"
#: Environment variable naming the download cache (default ``~/.cache/d2lrnn``).
CACHE_DIR_ENV = "D2LRNN_CACHE_DIR"


@dataclass(frozen=True)
class DataFile:
    """A file on d2l's mirror, with the SHA-1 digest d2l checks."""

    name: str
    sha1: str
    description: str

    @property
    def url(self) -> str:
        return DATA_URL + self.name


#: The data sets the book uses, by file name.
DATA_FILES: dict[str, DataFile] = {
    f.name: f
    for f in (
        DataFile(
            "timemachine.txt",
            "090b5e7e70c295757f55df93cb0a180b9691891a",
            "H. G. Wells, The Time Machine (public domain)",
        ),
        DataFile(
            "fra-eng.zip",
            "94646ad1522d915e7b0f9296181140edcf86a4f5",
            "English-French sentence pairs (Tatoeba)",
        ),
    )
}


class DataFileError(RuntimeError):
    """A data file is missing and cannot be downloaded, or its digest is wrong."""


def sha1sum(path: str | os.PathLike) -> str:
    """Return the hex SHA-1 digest of the file at ``path``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__} {path!r}")
    if not Path(path).is_file():
        raise ValueError(f"path must name an existing file, got {str(path)!r}")
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_dir() -> Path:
    """The download cache: ``$D2LRNN_CACHE_DIR`` or ``~/.cache/d2lrnn``."""
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env) if env else Path.home() / ".cache" / "d2lrnn"


def _lookup(name: str) -> DataFile:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str naming a data file, got {type(name).__name__}")
    if name not in DATA_FILES:
        known = ", ".join(sorted(DATA_FILES))
        raise ValueError(f"name={name!r} is not a known data file; expected one of: {known}")
    return DATA_FILES[name]


def _where_to_put(f: DataFile) -> str:
    return (
        f"To work offline, download {f.url} on a machine with internet, check that its "
        f"SHA-1 is {f.sha1}, put it in a folder and set {DATA_DIR_ENV} to that folder, "
        f"or copy it to {cache_dir() / f.name}."
    )


def _download(f: DataFile, dest: Path, timeout: float, note: str = "") -> None:
    """Download ``f`` to ``dest`` atomically, checking the digest first."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{f.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(f.url, timeout=timeout) as resp:
                    shutil.copyfileobj(resp, out)
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                raise DataFileError(
                    f"Could not find {f.name} ({f.description}, SHA-1 {f.sha1}) locally{note}, "
                    f"and downloading it from {f.url} failed: {reason}.\n{_where_to_put(f)}"
                ) from None
        got = sha1sum(tmp)
        if got != f.sha1:
            raise DataFileError(
                f"The download of {f.name} from {f.url} has SHA-1 {got}, expected "
                f"{f.sha1}: the file is truncated or altered, so it was not used.\n"
                f"{_where_to_put(f)}"
            )
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def download(name: str, *, timeout: float = 30.0) -> Path:
    """Return the local path of the verified data file ``name``.

    Looks in ``$D2LRNN_DATA_DIR``, then in the cache, then downloads from
    d2l's mirror into the cache. Raises :class:`DataFileError` with the file,
    its digest, the URL tried and where to put the file when it cannot be
    found, when a file you provided fails its digest check, or when
    ``$D2LRNN_DATA_DIR`` names a folder that does not exist (a typo there
    would otherwise go unnoticed until the download failed).
    """
    f = _lookup(name)
    check_number(timeout, "timeout", 0, above=True)
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir:
        if not Path(data_dir).is_dir():
            what = "is not a folder" if Path(data_dir).exists() else "does not exist"
            raise DataFileError(
                f"{DATA_DIR_ENV} must name an existing folder that holds the data files, got "
                f"{data_dir!r}, which {what}. "
                f"Correct it, or unset it to use the cache ({cache_dir()}) and d2l's mirror."
            )
        path = Path(data_dir) / f.name
        if path.is_file():
            got = sha1sum(path)
            if got != f.sha1:
                raise DataFileError(
                    f"{path} has SHA-1 {got}, expected {f.sha1}: the file is truncated "
                    f"or altered, so it was not used. Replace it with a fresh copy of "
                    f"{f.url}."
                )
            return path
    cached = cache_dir() / f.name
    note = ""
    if cached.is_file():
        got = sha1sum(cached)
        if got == f.sha1:
            return cached
        # A corrupt cache entry (an interrupted copy, a disk error) is never
        # used; it is replaced by a fresh download, or reported if that fails.
        cached.unlink()
        note = f" (the cached copy {cached} failed the SHA-1 check, {got}, and was removed)"
    _download(f, cached, timeout, note)
    return cached


def read_time_machine() -> str:
    """Return the raw text of The Time Machine (178,979 characters, as d2l serves it)."""
    return download("timemachine.txt").read_text(encoding="utf-8")


def read_fra_eng() -> list[tuple[str, str]]:
    """Return d2l's English–French sentence pairs (Tatoeba), as ``(english, french)``."""
    import zipfile

    with zipfile.ZipFile(download("fra-eng.zip")) as z:
        text = z.read("fra-eng/fra.txt").decode("utf-8")
    pairs = []
    for line in text.split("\n"):
        parts = line.split("\t")
        if len(parts) >= 2:
            pairs.append((parts[0], parts[1]))
    return pairs
