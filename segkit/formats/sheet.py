"""Contact sheets: equal-sized cells laid out in rows on white (veis-gen's previews and segkit's reports)."""
from __future__ import annotations

import numpy as np


def grid(cells: list[np.ndarray], columns: int, *, border: int = 1) -> np.ndarray:
    """Cells (H, W, 3) of one size in rows of ``columns``, each framed by ``border`` white pixels."""
    blank = np.full_like(cells[0], 255)
    rows = []
    for start in range(0, len(cells), columns):
        row = cells[start:start + columns]
        row = row + [blank] * (columns - len(row))
        framed = [np.pad(cell, ((border, border), (border, border), (0, 0)), constant_values=255) for cell in row]
        rows.append(np.concatenate(framed, axis=1))
    return np.concatenate(rows, axis=0)
