"""Statistics over datasets (Demšar 2006): Friedman, Nemenyi post-hoc, pairwise Wilcoxon.

All tests take a datasets x methods matrix of mean AUCs; only datasets where every method has a
value are used. The tests come from SciPy and scikit-posthocs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman test over ``n_datasets`` blocks and ``n_methods`` treatments."""

    statistic: float
    p_value: float
    n_datasets: int
    n_methods: int


def complete_rows(matrix: pd.DataFrame) -> pd.DataFrame:
    """The datasets where every method has a value."""
    return matrix.dropna(axis=0, how="any")


def friedman(matrix: pd.DataFrame) -> FriedmanResult | None:
    """Friedman chi-square test (``scipy.stats.friedmanchisquare``); None when not computable
    (fewer than 3 methods or 2 complete datasets)."""
    complete = complete_rows(matrix)
    n, k = complete.shape
    if k < 3 or n < 2:
        return None
    result = stats.friedmanchisquare(*[complete[c].to_numpy() for c in complete.columns])
    return FriedmanResult(float(result.statistic), float(result.pvalue), n, k)


def nemenyi(matrix: pd.DataFrame) -> pd.DataFrame | None:
    """Pairwise Nemenyi p-values after Friedman (``scikit_posthocs.posthoc_nemenyi_friedman``).

    Higher AUC is better; the test is symmetric so the orientation does not matter.
    """
    import scikit_posthocs

    complete = complete_rows(matrix)
    if complete.shape[1] < 3 or complete.shape[0] < 2:
        return None
    return scikit_posthocs.posthoc_nemenyi_friedman(complete.reset_index(drop=True))


def critical_difference(n_methods: int, n_datasets: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of average ranks, ``q_alpha * sqrt(k (k+1) / (6 N))``.

    ``q_alpha`` is the studentized range quantile divided by sqrt(2) (Demšar 2006, Table 5);
    SciPy's ``studentized_range`` supplies the quantile.
    """
    if n_methods < 2 or n_datasets < 1:
        return math.nan
    q = stats.studentized_range.ppf(1 - alpha, n_methods, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(n_methods * (n_methods + 1) / (6.0 * n_datasets)))


def wilcoxon_against(matrix: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank test of ``reference`` against every other method.

    Pairs are the datasets where both methods have a value. Columns: ``method``, ``n_datasets``,
    ``wins``/``ties``/``losses`` (of the reference), ``median_difference`` (reference - method),
    ``statistic``, ``p_value`` (NaN when all differences are zero or fewer than 2 pairs).
    """
    rows = []
    for method in matrix.columns:
        if method == reference:
            continue
        pair = matrix[[reference, method]].dropna()
        diff = (pair[reference] - pair[method]).to_numpy()
        row = {
            "method": method,
            "n_datasets": len(pair),
            "wins": int((diff > 0).sum()),
            "ties": int((diff == 0).sum()),
            "losses": int((diff < 0).sum()),
            "median_difference": float(np.median(diff)) if diff.size else np.nan,
            "statistic": np.nan,
            "p_value": np.nan,
        }
        if diff.size >= 2 and np.any(diff != 0):
            result = stats.wilcoxon(pair[reference], pair[method])
            row["statistic"] = float(result.statistic)
            row["p_value"] = float(result.pvalue)
        rows.append(row)
    return pd.DataFrame(rows)
