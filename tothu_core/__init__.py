"""tothu_core: the commune's spreadsheet as a validated dataset and its figures (no UI here)."""
