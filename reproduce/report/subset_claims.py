"""The paper's claims that a table of methods over datasets can answer, re-evaluated on subsets of
its datasets (for the ADBench experiment: the datasets new to the paper, and all of them).

The criteria are the verdict's (:mod:`reproduce.verdict`): a pairwise claim holds when the first
method has the higher mean AUC on more than :data:`~reproduce.verdict.WIN_SHARE` of the datasets
where both have a result and the higher mean over them (:func:`~reproduce.verdict.pairwise`,
:func:`~reproduce.verdict.beats`); the rank claim holds when RobustRealNVP has the best average
rank among the paper's methods (TrimRealNVP, its ablation, left out) over the datasets where every
method has a result (:func:`reproduce.tables.average_ranks`; a tie for the best rank counts as
best, as in the verdict, and the evidence says so).
The claims that need a sweep (trimming ratio, anomaly ratio) are listed as not evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from reproduce.tables import average_ranks
from reproduce.verdict import CLAIMS, PLAIN, ROBUST, TRIM, beats, pairwise, rank_position

#: What a check returns: the status ("holds", "does not hold", "not evaluated") and the evidence.
Check = Callable[[pd.DataFrame], tuple[str, str]]

#: Methods the rank claim leaves out: the paper ranks RobustRealNVP among its baselines (Table 1);
#: TrimRealNVP is its own ablation, a near-copy that could share or take first place.
NOT_IN_THE_RANK_CLAIM = frozenset({TRIM})

#: The verdict's claims that a table without a sweep cannot answer, with the reason.
NEEDS_A_SWEEP = {
    "stable_under_a_mis_set_trimming_ratio": "needs runs over several trimming ratios ε",
    "above_real_nvp_as_contamination_grows": "needs runs over several anomaly ratios",
}


@dataclass(frozen=True)
class SubsetClaim:
    """One of the paper's claims as a table of methods over datasets can check it."""

    #: The id of the claim in the verdict (:data:`reproduce.verdict.CLAIMS`).
    id: str
    #: The claim as checked here (the paper's words are the verdict's).
    text: str
    check: Check


def _rank_check(matrix: pd.DataFrame) -> tuple[str, str]:
    left_out = [m for m in matrix.columns if m in NOT_IN_THE_RANK_CLAIM]
    matrix = matrix.drop(columns=left_out)
    if ROBUST not in matrix.columns or matrix.shape[1] < 2:
        return "not evaluated", f"{ROBUST} or the other methods have no results"
    ranks, n_used = average_ranks(matrix)
    if n_used == 0:
        return "not evaluated", "no dataset where every method has a result"
    ours = ranks.sort_values(kind="stable")
    position, tied = rank_position(ours, ROBUST)
    best = f"best: {ours.index[0]} {ours.iloc[0]:.2f}" if position != 1 else "first"
    if tied:
        best += f", tied with {tied} other(s)"
    evidence = (
        f"{ROBUST} {ours[ROBUST]:.2f}, number {position} of {len(ours)} ({best}), over "
        f"{n_used} dataset(s) where every method has a result"
        + (f"; {', '.join(left_out)} (the paper's ablation) left out" if left_out else "")
    )
    return ("holds" if position == 1 else "does not hold"), evidence


def _pair_check(a: str, b: str) -> Check:
    def check(matrix: pd.DataFrame) -> tuple[str, str]:
        stats = pairwise(matrix, a, b)
        if stats is None:
            return "not evaluated", f"no dataset where both {a} and {b} have a result"
        evidence = (
            f"higher on {stats['wins']} of {stats['n']} dataset(s)"
            + (f" ({stats['ties']} ties)" if stats["ties"] else "")
            + f"; mean AUC {stats['mean_a']:.3f} vs {stats['mean_b']:.3f} "
            f"(Δ {stats['mean_diff']:+.3f})"
        )
        return ("holds" if beats(stats) else "does not hold"), evidence

    return check


#: The claims checked, in the verdict's order.
SUBSET_CLAIMS: tuple[SubsetClaim, ...] = (
    SubsetClaim(
        "best_average_rank_on_odds",
        f"{ROBUST} has the best average rank of all methods",
        _rank_check,
    ),
    SubsetClaim("beats_real_nvp", f"{ROBUST} beats Real NVP", _pair_check(ROBUST, PLAIN)),
    SubsetClaim(
        "spectral_normalisation_helps_on_clustered_anomalies",
        f"Spectral normalisation helps: {ROBUST} beats {TRIM} (the ablation of Figure 4)",
        _pair_check(ROBUST, TRIM),
    ),
)


def evaluate_on_subsets(matrix: pd.DataFrame, subsets: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Every claim of :data:`SUBSET_CLAIMS` on each subset of the datasets, then the claims of
    :data:`NEEDS_A_SWEEP` as not evaluated.

    Parameters
    ----------
    matrix : DataFrame
        Datasets x methods, mean AUC (NaN where a cell has no result).
    subsets : mapping
        Subset label -> its dataset names (those absent from ``matrix`` count as without results).

    Returns
    -------
    DataFrame
        One row per (claim, subset): ``claim_id``, ``claim``, ``subset``, ``n_datasets`` (in the
        subset), ``n_with_results`` (with at least one result), ``status``, ``evidence``.
    """
    rows = []
    for claim in SUBSET_CLAIMS:
        for label, names in subsets.items():
            sub = matrix.reindex(index=list(names))
            with_results = int(sub.notna().any(axis=1).sum())
            status, evidence = claim.check(sub.dropna(axis=0, how="all"))
            rows.append(
                {
                    "claim_id": claim.id,
                    "claim": claim.text,
                    "subset": label,
                    "n_datasets": len(names),
                    "n_with_results": with_results,
                    "status": status,
                    "evidence": evidence,
                }
            )
    for claim_id, reason in NEEDS_A_SWEEP.items():
        text = CLAIMS[claim_id].text if claim_id in CLAIMS else claim_id
        for label, names in subsets.items():
            rows.append(
                {
                    "claim_id": claim_id,
                    "claim": text,
                    "subset": label,
                    "n_datasets": len(names),
                    "n_with_results": 0,
                    "status": "not evaluated",
                    "evidence": reason,
                }
            )
    return pd.DataFrame(rows)


def markdown_claims(frame: pd.DataFrame) -> str:
    """The claims (rows) by subset (columns): status in bold, then the evidence."""
    subsets = list(dict.fromkeys(frame["subset"]))
    lines = [
        "| Claim | " + " | ".join(subsets) + " |",
        "|---|" + "---|" * len(subsets),
    ]
    for claim_id, rows in frame.groupby("claim_id", sort=False):
        cells = []
        for subset in subsets:
            row = rows[rows["subset"] == subset].iloc[0]
            cells.append(f"**{row['status']}** — {row['evidence']}")
        lines.append(f"| {rows['claim'].iloc[0]} (`{claim_id}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
