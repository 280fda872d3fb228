"""Command line: ``python -m rag {ingest,ask,search,docs,remove,check,approved}``.

``approved add|list|remove|export|import`` looks after educators' approved answers
(``rag.records.approved``) in the records database; export and import are JSON lines, one approved
answer a line with all its versions.

``ask`` and ``search`` print one JSON object with ``--json`` (the contract evaluation, the
app and the benchmarks rely on), or a readable answer with its sources. Given no question
they read standard input, one question per line or JSON lines with ``question`` (``query``
for search) and optional ``history``, and print one JSON object per line, loading the model
once. ``--store DIR`` puts the index somewhere else than the app's.

Here: the arguments and how the process ends on an error; what each subcommand does is in
``rag.commands``.
"""

from __future__ import annotations

import argparse
import os
import sys

from rag.commands import cmd_approved, cmd_ask, cmd_check, cmd_docs, cmd_ingest, cmd_remove, cmd_search


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description=__doc__.split("\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", help="folder of the index (default: setting store_dir)")
    common.add_argument("--collection", help="Chroma collection name")
    common.add_argument("--json", action="store_true", help="print JSON")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="index documents (default: corpus/)")
    p.add_argument("paths", nargs="*", help="files, folders or .jsonl document files")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it again")
    p.add_argument("--no-prune", action="store_true", help="keep documents missing from the folders")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=[common], help="answer a question (stdin if none)")
    p.add_argument("question", nargs="?")
    p.add_argument("--history", help="earlier turns as a JSON list")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", parents=[common], help="ranked passages for a query (stdin if none)")
    p.add_argument("query", nargs="?")
    p.add_argument("--k", type=positive_int, default=10, help="how many passages (1 or more)")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("docs", parents=[common], help="list indexed documents")
    p.set_defaults(func=cmd_docs)
    p = sub.add_parser("remove", parents=[common], help="remove documents from the index")
    p.add_argument("doc_ids", nargs="+")
    p.set_defaults(func=cmd_remove)
    p = sub.add_parser("check", parents=[common], help="validate settings and prompt files")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("approved", help="educators' approved answers")
    actions = p.add_subparsers(dest="action", required=True)
    records = argparse.ArgumentParser(add_help=False, parents=[common])
    records.add_argument("--records", help="records database (default: setting records_path)")
    a = actions.add_parser("add", parents=[records], help="approve an answer to a question")
    a.add_argument("question")
    a.add_argument("--educator", required=True, help="who approves it")
    a.add_argument("--say", action="append", default=[], help="one answer sentence (repeat, in order)")
    a.add_argument("--cite", action="append", default=[], help="the chunk id the sentence before cites")
    a.add_argument("--replaces", type=int, help="a new version of this approved answer")
    actions.add_parser("list", parents=[records], help="list approved answers")
    a = actions.add_parser("remove", parents=[records], help="delete approved answers with their history")
    a.add_argument("ids", nargs="+")
    a = actions.add_parser("export", parents=[records], help="JSON lines, every version (stdout if no file)")
    a.add_argument("file", nargs="?")
    a = actions.add_parser("import", parents=[records], help="add the approved answers of an export")
    a.add_argument("file")
    p.set_defaults(func=cmd_approved)
    return parser


def main(argv: list[str] | None = None) -> int:
    from rag.prompts import PromptError
    from rag.indexing.chroma_client import StoreError, StoreNotWritable
    from rag.embeddings import EmbedderUnavailable
    from rag.chat_model.client import LLMConfigError

    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the reader stopped early (`... | head`): not an error; silence the flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except StoreNotWritable as e:  # the operator must fix where the store is, not retry
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (StoreError, PromptError, EmbedderUnavailable, LLMConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run the same command again to finish", file=sys.stderr)
        return 130
