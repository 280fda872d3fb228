"""Open a Chroma client: the embedded store on a local folder, or a Chroma server.

``open_client(settings)`` makes a ``PersistentClient`` on ``store_dir`` by default (claimed
by this process with ``lock_store``: Chroma's embedded mode is unsafe for several processes
on one folder), or an ``HttpClient`` when ``chroma_host`` is set, with a bearer token when
one is configured. Every failure is a ``StoreError`` whose message says what to do: install
chromadb, start the server, stop the other process, or fix the folder's permissions.

Left out: auth schemes beyond a bearer token; what is stored (``rag.indexing.store``).
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import IO


class StoreError(RuntimeError):
    """The index cannot be opened or used; the message says what to do."""


class StoreInUse(StoreError):
    """Another process holds the embedded store (``holder`` is its pid, as it wrote it)."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


class StoreNotWritable(StoreError):
    """The embedded store's folder cannot be created or written by this process."""


def not_writable(folder: Path | str, e: BaseException) -> StoreNotWritable:
    why = getattr(e, "strerror", None) or str(e)
    where = getattr(e, "filename", None) or folder
    return StoreNotWritable(
        f"The index at {folder} cannot be opened: this process cannot write there ({why}: "
        f"{where}). The embedded store needs write access even to answer questions (it takes a "
        "lock file and Chroma writes to its database when it opens). Run as the user who built "
        "it, give this user write access, point RAG_STORE_DIR / --store at a writable copy, or "
        "serve it with `chroma run --path DIR` and set RAG_CHROMA_HOST."
    )


def is_read_only_failure(e: BaseException) -> bool:
    """A permission or read-only-database failure, as the OS or SQLite reports it."""
    if isinstance(e, (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)):
        return True
    if isinstance(e, OSError) and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return True
    text = str(e).lower()
    return "readonly database" in text or "read-only" in text or "permission denied" in text


def open_client(settings):
    """A Chroma client for these settings: embedded by default, a server when configured."""
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
    except ImportError as e:
        raise StoreError("chromadb is not installed: `pip install -r requirements.txt`.") from e
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        token = settings.chroma_token.get_secret_value() if settings.chroma_token else ""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                headers=headers,
                settings=chroma_settings,
                tenant=settings.chroma_tenant,
                database=settings.chroma_database,
            )
        except Exception as e:  # connection refused, bad tenant, auth...
            where = f"{settings.chroma_host}:{settings.chroma_port}"
            raise StoreError(
                f"Cannot reach the Chroma server at {where} ({e}). Start one with "
                f"`chroma run --path DIR --port {settings.chroma_port}` or unset RAG_CHROMA_HOST "
                "to use the embedded store."
            ) from e
    folder = Path(settings.store_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # a parent is a file, no permission, a read-only disk
        raise not_writable(folder, e) from None
    lock_store(folder)
    try:
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
    except Exception as e:  # chromadb wraps sqlite3 errors in its own types
        if is_read_only_failure(e):
            raise not_writable(folder, e) from None
        raise


_LOCK_FILE = "rag.lock"
_held_locks: dict[str, IO] = {}  # store folder -> its open lock file, kept for the process's life
_held_guard = threading.Lock()


def lock_store(folder: Path) -> None:
    """Claim an embedded store for this process, or raise ``StoreError`` naming the holder.

    Chroma's embedded mode is not safe for several processes on one folder (each keeps its
    own HNSW segments in memory and they overwrite each other's files). An advisory
    ``flock`` on ``<store>/rag.lock`` is taken when the embedded client opens and held until
    the process exits (the kernel drops it even on a crash). Re-opening the same store
    within one process is fine: the process already holds it."""
    import fcntl

    key = str(Path(folder).resolve())
    with _held_guard:
        if key in _held_locks:
            return
        try:
            f = open(Path(folder) / _LOCK_FILE, "a+")
        except OSError as e:
            raise not_writable(Path(folder), e) from None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            f.close()
            raise StoreInUse(
                f"The index at {folder} is in use by another process (pid {holder}). The embedded "
                "store can be opened by one process at a time: stop that process, or run several "
                "against a Chroma server: `chroma run --path DIR --port 8000`, then set "
                "RAG_CHROMA_HOST=localhost and RAG_CHROMA_PORT=8000 for every process.",
                holder,
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        _held_locks[key] = f
