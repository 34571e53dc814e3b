"""Where the report's inputs come from: finished runs (the run store or the committed results CSV)
and the paper's numbers; and the results CSV the report writes back.

Finished runs are read (``--runs-from``) from the run store, from the committed
``<out>/<experiment>.csv``, or (``auto``, the default) per run id: from the store when it holds the
run, else from the committed CSV when it has the run id, else the run is missing. An experiment
read partly from each ("mixed") gets its ``<experiment>.csv`` rewritten with the store's runs and
the CSV's rows copied unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from reproduce.config import Experiment, GridPoint, expand
from reproduce.results import (
    csv_run_rows,
    merged_run_rows,
    read_results_csv,
    read_results_csv_text,
    run_rows,
)
from reproduce.store import RunRecord, RunStore, StoreScan
from reproduce.tables import read_paper_auc, read_paper_rank

#: The values of ``--runs-from``.
RUNS_FROM = ("auto", "store", "csv")


class RunSources:
    """The run store (scanned once), the committed results CSVs and the paper's tables.

    Parameters
    ----------
    store : RunStore
    paper_dir : Path
        Folder of the paper's CSV files (``results/paper``).
    runs_from : {"auto", "store", "csv"}, default="auto"
        Where finished runs are read (see the module docstring).
    """

    def __init__(self, store: RunStore, paper_dir: Path, runs_from: str = "auto") -> None:
        if runs_from not in RUNS_FROM:
            raise ValueError(f"runs_from must be 'auto', 'store' or 'csv', got {runs_from!r}")
        self.store = store
        self.paper_dir = Path(paper_dir)
        self.runs_from = runs_from
        self.scan: StoreScan = store.scan()

    @property
    def records(self) -> dict[str, RunRecord]:
        """The store's records by run id."""
        return self.scan.records

    def read_artifact(self, record: RunRecord, name: str) -> bytes:
        """An artifact of a stored run (e.g. its ``density_grid``)."""
        return self.store.read_artifact(record, name)

    def runs(self, points: Sequence[GridPoint], results_csv: Path) -> tuple[pd.DataFrame, str]:
        """One experiment's run table and where it was read from (see ``runs_from``):
        ``"store"``, ``"csv"`` or, with ``auto`` and runs from both, ``"mixed"``."""
        if self.runs_from == "store":
            return run_rows(points, self.scan.records), "store"
        if self.runs_from == "csv":
            if not results_csv.is_file():
                raise FileNotFoundError(
                    f"--runs-from csv: {results_csv} does not exist; render from the store or "
                    "commit the experiment's results CSV first"
                )
            return csv_run_rows(points, read_results_csv(results_csv)), "csv"
        results = read_results_csv(results_csv) if results_csv.is_file() else None
        runs = merged_run_rows(points, self.scan.records, results)
        n_store = int((runs["source"] == "store").sum())
        n_csv = int((runs["source"] == "csv").sum())
        if n_store == 0 and results is not None:
            return runs, "csv"  # the committed file is the input: it is not rewritten
        return runs, "mixed" if n_csv else "store"

    def committed_rows(
        self,
        experiment: Experiment,
        points: Sequence[GridPoint],
        results_csv: Path,
        source: str,
        selected: bool,
    ) -> tuple[pd.DataFrame | None, set[str]]:
        """The committed results CSV to rewrite (as text; None when the file is not rewritten
        from it) and the run ids of its rows to keep unchanged: runs of the experiment outside
        the selection (``selected``: ``--datasets``/``--seeds``/``--methods`` narrowed it)."""
        if self.runs_from != "auto" or source == "csv" or not results_csv.is_file():
            return None, set()
        committed = read_results_csv_text(results_csv)
        carried: set[str] = set()
        if selected:
            # Runs of the experiment outside this selection keep their committed rows.
            chosen = {p.spec.run_id for p in points}
            experiment_ids = {p.spec.run_id for p in expand(experiment)}
            carried = (set(committed["run_id"]) & experiment_ids) - chosen
        return committed, carried

    def paper(
        self, experiment: Experiment
    ) -> tuple[pd.DataFrame | None, pd.Series | None, list[str]]:
        """The paper's AUC table and printed ranks of ``experiment`` (None where it has none)
        and notes on the files that are missing."""
        notes = []
        paper_auc = paper_rank = None
        if experiment.paper_auc:
            path = self.paper_dir / experiment.paper_auc
            if path.is_file():
                paper_auc = read_paper_auc(path)
            else:
                notes.append(f"paper table {path} not found: no paper comparison")
        if experiment.paper_rank:
            path = self.paper_dir / experiment.paper_rank
            if path.is_file():
                paper_rank = read_paper_rank(path)
            else:
                notes.append(f"paper ranks {path} not found")
        return paper_auc, paper_rank, notes


def write_results_csv(
    runs: pd.DataFrame,
    path: Path,
    committed: pd.DataFrame | None = None,
    carried: set[str] | frozenset[str] = frozenset(),
) -> Path:
    """``<out>/<experiment>.csv``: one row per finished run, the committed long format.

    ``committed``: the existing file as text (:func:`read_results_csv_text`). The rows read
    from it (``source == "csv"``) and its rows whose run ids are in ``carried`` (runs of the
    experiment outside this report's selection) are copied unchanged, every column as it
    was; the file's column order is kept, new columns go last. A run shared by several
    variants of the experiment is written once.
    """
    columns = [
        "dataset", "method", "seed", "sweep_value", "roc_auc", "average_precision",
        "fit_seconds", "score_seconds", "n_train", "n_features", "git_commit", "run_id",
    ]  # fmt: skip
    done = runs[runs["status"] == "done"]
    # A run shared by variants of one experiment (a method a variant leaves unchanged) is
    # one row, under the first variant that uses it; reading the file back finds it by id.
    done = done.drop_duplicates("run_id")
    if done["sweep_value"].isna().all():
        columns.remove("sweep_value")
    path.parent.mkdir(parents=True, exist_ok=True)
    from_csv = done["source"] == "csv"
    if committed is None or not (from_csv.any() or carried):
        done[columns].sort_values(["dataset", "method", "seed"]).to_csv(path, index=False)
        return path
    # The store's rows go through the same text formatting as above; then every row is text.
    from_store = pd.read_csv(
        io.StringIO(done.loc[~from_csv, columns].to_csv(index=False)),
        dtype=str,
        keep_default_na=False,
    )
    copied = set(done.loc[from_csv, "run_id"]) | set(carried)
    all_columns = list(committed.columns) + [c for c in columns if c not in committed.columns]
    frame = pd.concat(
        [from_store, committed[committed["run_id"].isin(copied)]], ignore_index=True
    ).reindex(columns=all_columns, fill_value="")
    frame = frame.fillna("")
    order = frame.assign(_seed=pd.to_numeric(frame["seed"], errors="coerce"))
    order = order.sort_values(["dataset", "method", "_seed"], kind="stable")
    frame.loc[order.index].to_csv(path, index=False)
    return path
