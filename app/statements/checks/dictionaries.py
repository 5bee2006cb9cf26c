"""simplemma's word lists as compact tries on disk, so that a process checking statements stays small.

simplemma keeps each language's word list as a Python dict: German alone takes about 130 MB of a process for
good, English about 20 MB. The same lists as MARISA tries (simplemma's own ``TrieDictionaryFactory``, backed by
marisa-trie) take about 6 MB for both and load in milliseconds. Building a trie needs the dict once: that is
done in a short-lived child process (``python -m app.statements.checks.dictionaries <language> <folder>``), which
writes the trie next to the others under a temporary name and renames it into place, so that processes building
at the same moment never read half a file. The tries are kept in ``WARROOM_CACHE_DIR`` (default: the user's
cache folder) per simplemma version. When the folder cannot be written or the build fails, the process falls
back to simplemma's dicts with a warning: the lemmas are the same, only the memory differs.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import simplemma
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries import DefaultDictionaryFactory, TrieDictionaryFactory
from simplemma.strategies.dictionaries.dictionary_factory import DictionaryFactory

from app import children

log = logging.getLogger(__name__)
BUILD_SECONDS = 300  # far more than the ~3 s a German trie takes on a busy machine
CACHED_WORDS = 65536  # lemmas kept per language (simplemma's default keeps a million)
_lock = threading.Lock()
_lemmatizers: dict[str, simplemma.Lemmatizer] = {}
_backing: dict[str, str] = {}


def folder() -> Path:
    """Where the tries of this simplemma version are kept."""
    base = os.environ.get("WARROOM_CACHE_DIR")
    if not base:
        from platformdirs import user_cache_dir

        base = user_cache_dir("warroom")
    return Path(base) / "lemmas" / f"simplemma-{simplemma.__version__}"


def trie_path(language: str, where: Path | None = None) -> Path:
    return (where or folder()) / f"{language}.dic"


def build(language: str, where: Path) -> Path:
    """Write ``language``'s trie into ``where`` (this is what the child process runs); its path."""
    from marisa_trie import BytesTrie

    words = DefaultDictionaryFactory(cache_max_size=0).get_dictionary(language)
    trie = BytesTrie((word, lemma.encode()) for word, lemma in words.items())
    where.mkdir(parents=True, exist_ok=True)
    target = trie_path(language, where)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    trie.save(str(partial))
    os.replace(partial, target)  # atomic: a reader sees no file or the whole file
    return target


def _built(language: str) -> Path | None:
    """The trie's path, built in a child process first if it is not there; None when it cannot be had."""
    path = trie_path(language)
    if path.exists():
        return path
    try:
        done = children.run_module(__name__, language, str(path.parent), timeout=BUILD_SECONDS)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not build the %s word trie (%s): using simplemma's dict (more memory)", language, exc)
        return None
    if done.returncode != 0 or not path.exists():
        why = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        log.warning("could not build the %s word trie in %s (%s): using simplemma's dict (more memory)",
                    language, path.parent, why)
        return None
    return path


def factory(language: str) -> DictionaryFactory:
    """A trie-backed dictionary factory reading the tries from disk, or simplemma's dicts without them."""
    if _built(language) is None:
        _backing[language] = "dict"
        return DefaultDictionaryFactory()
    _backing[language] = "trie"
    return TrieDictionaryFactory(disk_cache_dir=str(folder()))


def lemmatizer(language: str) -> simplemma.Lemmatizer:
    """The lemmatiser of ``language`` (made once per process)."""
    found = _lemmatizers.get(language)
    if found is None:
        with _lock:
            found = _lemmatizers.get(language)
            if found is None:
                strategy = DefaultStrategy(dictionary_factory=factory(language))
                found = _lemmatizers[language] = simplemma.Lemmatizer(CACHED_WORDS, lemmatization_strategy=strategy)
    return found


def backing(language: str) -> str | None:
    """What this process's lemmatiser of ``language`` reads: "trie", "dict" (the fallback), or None (not made)."""
    return _backing.get(language)


if __name__ == "__main__":
    build(sys.argv[1], Path(sys.argv[2]))
