"""The report's output folder (``report.md``, ``tables/``, ``figures/``): how files are written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


class OutputFolder:
    """Writes the report's files under ``root`` and names them relative to it.

    Parameters
    ----------
    root : Path
        ``--out``: where ``report.md``, ``tables/`` and ``figures/`` go.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tables_dir = self.root / "tables"
        self.figures_dir = self.root / "figures"

    def relative(self, path: Path) -> str:
        """``path`` as the report links it: relative to the folder, with ``/``."""
        return path.relative_to(self.root).as_posix()

    def write_text(self, path: Path, text: str) -> Path:
        """Write ``text`` (UTF-8) to ``path``, creating its folder."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def write_table(self, frame: pd.DataFrame, name: str) -> Path:
        """``tables/<name>``: ``frame`` as CSV, without its index."""
        path = self.tables_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
        return path

    def write_table_text(self, name: str, text: str) -> Path:
        """``tables/<name>``: a Markdown or LaTeX table."""
        return self.write_text(self.tables_dir / name, text)

    def save_figure(self, figure: Figure, stem: str) -> list[Path]:
        """``figures/<stem>.png`` and ``.pdf`` (:func:`reproduce.figures.save_figure`)."""
        from reproduce import figures

        return figures.save_figure(figure, self.figures_dir / stem)
