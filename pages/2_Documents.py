"""Documents: what is in the index, and adding, removing and re-indexing documents.

Uploads are checked (type, size, that they parse, that the content is new) before anything
is saved; a refused file changes nothing. An upload runs off this page's script thread
(``rag.ui.upload_jobs``): the page shows its progress every second with a Cancel button, and
the outcome when it ends. The server lets go of each uploaded file as soon as its bytes are
read (``rag.ui.upload_gate``), and the chat's suggested questions are worked out again
whenever the collection changes. When the index
can't be opened or changed (another process holds it, its folder is read-only) the page says
so and what to do instead of failing; the details go to the server log.
"""

import logging
from datetime import datetime
from math import ceil

import streamlit as st

from rag.settings import get_settings
from rag.ui import render, state, upload_gate, uploads
from rag.ui.auth import require_educator
from rag.ui.upload_jobs import UploadJob

st.set_page_config(page_title="Documents", page_icon=render.ICON, layout="wide")
require_educator()
upload_gate.allow()  # only an unlocked Documents page may hand the server files

settings = get_settings()
log = logging.getLogger("rag.ui.documents")
INDEX_FAILURES = uploads.INDEX_FAILURES
not_changed = uploads.not_changed
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


@st.fragment(run_every=1.0)
def upload_in_progress() -> None:
    """The running upload's progress and its Cancel button, redrawn every second; its
    outcome, once it ends, shown like any other change."""
    job = st.session_state.get("upload_job")
    if job is None:
        return
    if job.done:
        st.session_state.documents_flash = job.messages()
        del st.session_state["upload_job"]
        st.rerun(scope="app")  # the list of documents changed
    fraction, status = job.progress()
    st.progress(fraction, text=render.as_text("Cancelling after this step… " if job.cancelling else status))
    st.button("Cancel the upload", key="upload_cancel", disabled=job.cancelling, on_click=job.cancel)


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
if add and files and "upload_job" in st.session_state:
    upload_gate.release(files)
    st.warning("An upload is still running: wait for it to end, or cancel it, then add these files.")
elif add and files:
    chosen = [(f.name, f.getvalue()) for f in files]
    upload_gate.release(files)  # the job holds the bytes; the server lets go of them now
    st.session_state.upload_job = UploadJob(pipeline, chosen, int(settings.upload_max_mb * 1e6), replace).start()
elif add:
    st.warning("Choose a file first.")
upload_in_progress()

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
