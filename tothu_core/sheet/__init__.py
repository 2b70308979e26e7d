"""The office's spreadsheet: its contract, the sources that read it, and the validated Dataset.

Owns the column contract (`contract`), cell parsing, the reader that turns raw tabs into a
Dataset with its problems, the demo workbook, the backends behind one `Source` interface
(`sources/`), and the shared snapshot of a source (`snapshot`). `assigned` lives here, not
in `figures/`, because the reader itself needs "assigned in month M" to warn about groups
without a cadre; `snapshot` lives here because the write path (`entry/`) must mark it stale
after a write, and `entry/` may only import downwards. Imports: the foundation only.
"""
