"""``python -m datasets``: list the registered datasets with their status, or fetch them.

The built-in kinds: ODDS (``odds/<name>.mat``) and ADBench
(``adbench-classical/<number>_<Name>.npz``), files under the data root, sha256-checked and
downloaded when missing; CIFAR-10 (an image source under the data root, the original batches
``cifar-10-batches-py/`` or the JPEG copy ``cifar10-jpeg/``; fetching downloads the original when
neither is there); two-moons, generated, with nothing to fetch.

Examples::

    python -m datasets                       # same as `list`
    python -m datasets list --kind odds
    python -m datasets fetch                 # every downloadable dataset, with a progress bar
    python -m datasets fetch --kind adbench  # the 43 ADBench files
    python -m datasets fetch mammo glass --data-dir ~/data
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from tqdm import tqdm

from datasets import fetch as fetching
from datasets.registry import get_entry, iter_entries, list_kinds


def _add_data_dir(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--data-dir",
        default=default,
        help="data root holding odds/<name>.mat, adbench-classical/<number>_<Name>.npz and "
        "CIFAR-10's cifar-10-batches-py/ or cifar10-jpeg/; default: env "
        f"{fetching.DATA_ENV}, else the user cache directory",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m datasets",
        description="List the benchmark datasets of every kind (ODDS, CIFAR-10, two-moons, "
        "ADBench) and their local status, or download what is missing: the ODDS and ADBench "
        "files (sha256-checked) and CIFAR-10's images; two-moons is generated, nothing to fetch.",
    )
    _add_data_dir(parser, default=None)
    commands = parser.add_subparsers(dest="command")
    listing = commands.add_parser("list", help="list datasets and status (the default)")
    getting = commands.add_parser("fetch", help="download missing files, with a progress bar")
    getting.add_argument("names", nargs="*", help="datasets to fetch (default: all)")
    for command in (listing, getting):
        # SUPPRESS: given after the command it overrides, absent it keeps the top-level value.
        _add_data_dir(command, default=argparse.SUPPRESS)
        command.add_argument(
            "--kind", choices=list_kinds(), default=None, help="only the datasets of this kind"
        )
    parser.set_defaults(command="list", kind=None)
    return parser


def _list(data_dir: str | None, kind: str | None) -> int:
    print(f"data root: {fetching.data_root(data_dir)}")
    entries = iter_entries(kind)
    rows = [
        (
            entry.name,
            entry.kind,
            ",".join(entry.aliases) or "-",
            entry.status(data_dir) if entry.status else "generated",
            entry.summary,
        )
        for entry in entries
    ]
    header = ("name", "kind", "alias", "status", "contents")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    bad = [row[0] for row in rows if row[3] == fetching.STATUS_BAD_HASH]
    if bad:
        print(f"bad hash (not used; delete and fetch again): {', '.join(bad)}")
    return 0


def _fetch(data_dir: str | None, names: Sequence[str], kind: str | None) -> int:
    entries = [get_entry(name) for name in names] if names else iter_entries(kind)
    nothing = [entry.name for entry in entries if entry.fetch is None]
    if names and nothing:
        print(f"nothing to fetch for {', '.join(nothing)} (generated data)", file=sys.stderr)
    entries = [entry for entry in entries if entry.fetch is not None]
    failures: list[str] = []
    with tqdm(entries, desc="fetching", unit="file") as bar:
        for entry in bar:
            bar.set_postfix_str(entry.name)
            try:
                entry.fetch(data_dir, create_root=True)
            except (fetching.DatasetFileError, fetching.DatasetUnavailableError) as exc:
                failures.append(f"{entry.name}: {exc}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(
        f"{len(entries) - len(failures)} of {len(entries)} available in "
        f"{fetching.data_root(data_dir)}"
    )
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "fetch":
            return _fetch(args.data_dir, args.names, args.kind)
        return _list(args.data_dir, args.kind)
    except ValueError as exc:  # unknown dataset name, bad RRNVP_OFFLINE value
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
