"""tothu_core: the commune's spreadsheet as a validated dataset and its figures (no UI here).

The core is layered; imports only run downwards (tests/test_layers.py keeps it so):

- the foundation at the top (`clock`, `errors`, `texts`, `textnorm`, `vietnamese`,
  `settings`): small modules every layer may use; they import no sub-package;
- `sheet/`: the office's spreadsheet, read, validated and shared as one Dataset;
- `figures/`: every figure and view model, computed from a Dataset;
- `people/`: who is signed in and what they may see;
- `entry/`: the write path of the monthly form;
- `outputs/`: tables, export files and the monthly report;
- `province/`: the province view: the registry of communes, each commune's sheet synced
  into one store (DuckDB or PostgreSQL) and rolled up; uses `sheet`, `figures`, `people`;
- the application edge at the top (`cli`, `settings_view`, `backup`, `__main__`): may use any
  layer.
"""
