"""Documents: what is in the index, and adding, removing and re-indexing documents.

Uploads are checked (type, size, that they parse, that the content is new) before anything
is saved; a refused file changes nothing. Indexing shows its progress; the server lets go of
each uploaded file once it is added or refused (``rag.ui.upload_gate``), and the chat's
suggested questions are worked out again whenever the collection changes. When the index
can't be opened or changed (another process holds it, its folder is read-only) the page says
so and what to do instead of failing; the details go to the server log.
"""

import logging
import sqlite3
from datetime import datetime
from math import ceil

import streamlit as st

from rag.indexing.chroma_client import StoreError
from rag.embeddings import EmbedderUnavailable
from rag.settings import get_settings
from rag.ui import render, state, upload_gate, uploads
from rag.ui.auth import require_educator

st.set_page_config(page_title="Documents", page_icon=render.ICON, layout="wide")
require_educator()
upload_gate.allow()  # only an unlocked Documents page may hand the server files

settings = get_settings()
log = logging.getLogger("rag.ui.documents")
# How a held or read-only index fails a change: the store's own errors, or those of the
# database under it (Chroma's SQLite says "attempt to write a readonly database").
INDEX_FAILURES = (StoreError, EmbedderUnavailable, sqlite3.Error, OSError)
st.title("Documents")
try:
    pipeline = state.pipeline()
    documents = pipeline.documents()
except INDEX_FAILURES as e:  # held by another process, read-only, no model
    log.exception("the index could not be opened")
    st.warning(render.as_text(f"The document index can't be opened right now, so documents can't "
                              f"be listed or changed. {e}"), icon=":material/cloud_off:")
    st.info("Reload this page once that is fixed; nothing was changed.")
    st.stop()
# Messages hold file names and titles taken from the documents: shown as text, never Markdown
# (a title "![x](http://...)" would otherwise make every educator's browser fetch it).
for level, message in st.session_state.pop("documents_flash", []):
    getattr(st, level)(render.as_text(message))


def progress_bar(text: str):
    """A progress bar and the ingest callback that moves it (one step per document read;
    the spinner around the call stays until the passages are written)."""
    bar = st.progress(0.0, text=render.as_text(text))

    def moved(done: int, total: int, name: str) -> None:
        bar.progress(done / max(total, 1), text=render.as_text(f"{text} {name} ({done}/{total})"))

    return moved


def not_changed(what: str, e: Exception) -> str:
    """What an educator is told when the index refused a change (the rest goes to the log)."""
    log.error("%s failed", what, exc_info=e)
    return (f"{what} failed: the index can't be changed right now ({e}). Another process may "
            "hold it, or its folder may be read-only; ask whoever runs the app, then try again.")


def refresh_starters() -> None:
    """The chat's suggested questions, worked out again for the changed collection."""
    with st.spinner("Updating the questions the chat suggests…"):
        uploads.refresh_starters(pipeline)


st.caption(f"{len(documents)} documents, {sum(d.chunks for d in documents)} passages. "
           f"Corpus folder: {settings.corpus_dir}")
st.dataframe(
    [{"document": d.title, "file": d.doc_id, "passages": d.chunks,
      "indexed": datetime.fromtimestamp(d.indexed_at).strftime("%Y-%m-%d %H:%M") if d.indexed_at else "",
      "state": d.state} for d in documents],
    hide_index=True, width="stretch")

st.subheader("Add a document")
with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        f"A .pdf, .txt or .md file, up to {settings.upload_max_mb:g} MB "
        f"({upload_gate.MAX_HELD_FILES} files at a time at most)",
        # No type= filter: Streamlit would drop other files without a word; the app's own
        # check refuses them with the reason.
        accept_multiple_files=True, max_upload_size=ceil(settings.upload_max_mb))
    replace = st.checkbox("Replace a document with the same name")
    add = st.form_submit_button("Add to the collection")
if add and files:
    flash = []
    for f in files:
        try:
            with st.spinner(render.as_text(f"Checking and indexing {f.name}…")):
                added = uploads.add_upload(pipeline, f.name, f.getvalue(),
                                           int(settings.upload_max_mb * 1e6), replace,
                                           progress_bar(f"Indexing {f.name}…"))
        except uploads.UploadRefused as refused:
            flash.append(("error", f"Not added. {refused}"))
        except INDEX_FAILURES as e:
            flash.append(("warning", not_changed(f"Adding {f.name}", e)))
        else:
            verb = "Replaced" if added.replaced else "Added"
            flash.append(("success", f"{verb} “{added.title}” ({added.doc_id}): {added.passages} passages."))
            flash += [("warning", line) for line in uploads.flag_lines(added.flagged)]
        finally:
            upload_gate.release([f])  # the server lets go of the bytes now, not when the tab closes
    if any(level == "success" for level, _ in flash):
        refresh_starters()
    st.session_state.documents_flash = flash
    st.rerun()
elif add:
    st.warning("Choose a file first.")

st.subheader("Remove a document")
with st.form("remove"):
    doc_id = st.selectbox("Document", [d.doc_id for d in documents], index=None,
                          format_func=lambda d: next((f"{e.title} ({d})" for e in documents if e.doc_id == d), d))
    sure = st.checkbox("Yes, remove it from the collection (and its file from the corpus folder)")
    remove = st.form_submit_button("Remove")
if remove:
    if not doc_id or not sure:
        st.warning("Choose a document and tick the box to confirm.")
    else:
        try:
            st.session_state.documents_flash = [("success", uploads.remove_document(pipeline, doc_id))]
            refresh_starters()
        except uploads.UploadRefused as refused:
            st.session_state.documents_flash = [("error", str(refused))]
        except INDEX_FAILURES as e:
            st.session_state.documents_flash = [("warning", not_changed(f"Removing {doc_id}", e))]
        st.rerun()

st.subheader("Rename a document")
st.caption("The title patients see with its passages and in the topics the chat offers. "
           "Nothing is indexed again.")
with st.form("rename"):
    rename_id = st.selectbox("Document", [d.doc_id for d in documents], index=None, key="rename_doc",
                             format_func=lambda d: next((f"{e.title} ({d})" for e in documents if e.doc_id == d), d))
    new_title = st.text_input("New title", key="rename_title")
    rename = st.form_submit_button("Rename")
if rename:
    if not rename_id or not new_title.strip():
        st.warning("Choose a document and give its new title.")
    else:
        try:
            pipeline.rename(rename_id, new_title)
            st.session_state.documents_flash = [("success", f"Renamed {rename_id} to “{' '.join(new_title.split())}”.")]
        except INDEX_FAILURES as e:
            st.session_state.documents_flash = [("warning", not_changed(f"Renaming {rename_id}", e))]
        st.rerun()

st.subheader("Re-index")
st.caption("Reads the corpus folder again: changed files are re-indexed, new ones added, "
           "deleted ones removed. Unchanged files are skipped.")
if st.button("Re-index the corpus folder"):
    try:
        with st.spinner("Re-indexing the corpus folder…"):
            report = uploads.reindex(pipeline, progress_bar("Indexing…"))
        refresh_starters()
    except INDEX_FAILURES as e:
        st.session_state.documents_flash = [("warning", not_changed("Re-indexing", e))]
    else:
        st.session_state.documents_flash = [("error" if report.failed else "success", line)
                                            for line in uploads.report_lines(report)] + \
            [("warning", line) for line in uploads.flag_lines(report.flagged)]
    st.rerun()
