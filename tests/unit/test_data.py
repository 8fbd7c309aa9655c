"""The data loader: lookup order, digest checks, caching, and the offline error."""

import hashlib
import io
import urllib.error

import pytest

from d2lrnn import data

GOOD = b"The Time Traveller (for so it will be convenient to speak of him)\n"
NAME = "timemachine.txt"


@pytest.fixture
def fake_file(monkeypatch):
    """Register a small stand-in for timemachine.txt with its real digest."""
    f = data.DataFile(NAME, hashlib.sha1(GOOD).hexdigest(), "test text")
    monkeypatch.setitem(data.DATA_FILES, NAME, f)
    return f


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    data_dir, cache = tmp_path / "data", tmp_path / "cache"
    data_dir.mkdir()
    monkeypatch.setenv(data.DATA_DIR_ENV, str(data_dir))
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(cache))
    return data_dir, cache


@pytest.fixture
def offline(monkeypatch):
    """No network: every download attempt fails as it does on these machines."""
    calls = []

    def urlopen(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(data.urllib.request, "urlopen", urlopen)
    return calls


def serve(monkeypatch, payload: bytes):
    calls = []

    def urlopen(url, timeout=None):
        calls.append(url)
        return io.BytesIO(payload)

    monkeypatch.setattr(data.urllib.request, "urlopen", urlopen)
    return calls


def test_data_url_is_d2ls():
    from d2l import mxnet as d2l

    assert data.DATA_URL == d2l.DATA_URL
    assert data.DATA_FILES[NAME].url == d2l.DATA_URL + NAME


@pytest.mark.needs_data
def test_real_corpus_from_data_dir():
    """The real files, found through D2LRNN_DATA_DIR as CI sets it, are d2l's."""
    text = data.read_time_machine()
    assert len(text) == 178979
    assert text.startswith("The Time Machine, by H. G. Wells")
    pairs = data.read_fra_eng()
    assert len(pairs) > 150_000
    assert pairs[0] == ("Go.", "Va !")


def test_found_in_data_dir_without_network(fake_file, dirs, offline):
    data_dir, cache = dirs
    (data_dir / NAME).write_bytes(GOOD)
    assert data.download(NAME) == data_dir / NAME
    assert offline == []
    assert not cache.exists()


def test_corrupt_file_in_data_dir_is_reported_not_used(fake_file, dirs, offline):
    data_dir, _ = dirs
    (data_dir / NAME).write_bytes(GOOD[:-10])  # truncated
    with pytest.raises(data.DataFileError) as e:
        data.download(NAME)
    msg = str(e.value)
    assert str(data_dir / NAME) in msg and fake_file.sha1 in msg and "truncated" in msg
    assert fake_file.url in msg


def test_missing_and_offline_error_names_file_digest_url_and_where(fake_file, dirs, offline):
    data_dir, cache = dirs
    with pytest.raises(data.DataFileError) as e:
        data.download(NAME)
    msg = str(e.value)
    for part in (NAME, fake_file.sha1, fake_file.url, data.DATA_DIR_ENV, str(cache / NAME)):
        assert part in msg
    # The first thing a student sees is this message, not urllib's traceback.
    assert e.value.__cause__ is None and e.value.__suppress_context__
    assert offline == [fake_file.url]
    assert not (cache / NAME).exists()
    assert [p.name for p in cache.iterdir()] == []  # no partial download left behind


def test_download_is_verified_then_cached(fake_file, dirs, monkeypatch):
    _, cache = dirs
    calls = serve(monkeypatch, GOOD)
    path = data.download(NAME)
    assert path == cache / NAME and path.read_bytes() == GOOD
    assert data.download(NAME) == path
    assert calls == [fake_file.url]  # the second call used the cache


def test_corrupt_download_is_rejected(fake_file, dirs, monkeypatch):
    _, cache = dirs
    serve(monkeypatch, b"<html>Access denied</html>")
    with pytest.raises(data.DataFileError, match="truncated or altered"):
        data.download(NAME)
    assert list(cache.iterdir()) == []


def test_corrupt_cache_is_replaced_by_a_fresh_download(fake_file, dirs, monkeypatch):
    _, cache = dirs
    cache.mkdir()
    (cache / NAME).write_bytes(GOOD[:5])
    calls = serve(monkeypatch, GOOD)
    assert data.download(NAME).read_bytes() == GOOD
    assert calls == [fake_file.url]


def test_corrupt_cache_offline_is_reported_not_used(fake_file, dirs, offline):
    _, cache = dirs
    cache.mkdir()
    (cache / NAME).write_bytes(GOOD[:5])
    with pytest.raises(data.DataFileError) as e:
        data.download(NAME)
    assert "failed the SHA-1 check" in str(e.value)
    assert not (cache / NAME).exists()


def test_data_dir_without_the_file_falls_back_to_cache(fake_file, dirs, offline):
    _, cache = dirs
    cache.mkdir()
    (cache / NAME).write_bytes(GOOD)
    assert data.download(NAME) == cache / NAME


@pytest.mark.parametrize(
    "name, exc, match",
    [("nope.txt", ValueError, "name='nope.txt'"), (3, TypeError, "name must be a str")],
)
def test_bad_names(name, exc, match):
    with pytest.raises(exc, match=match):
        data.download(name)


def test_sha1sum_and_cache_dir(tmp_path, monkeypatch):
    f = tmp_path / "x.txt"
    f.write_bytes(GOOD)
    assert data.sha1sum(f) == hashlib.sha1(GOOD).hexdigest()
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "c"))
    assert data.cache_dir() == tmp_path / "c"
    monkeypatch.delenv(data.CACHE_DIR_ENV)
    assert data.cache_dir() == data.Path.home() / ".cache" / "d2lrnn"
