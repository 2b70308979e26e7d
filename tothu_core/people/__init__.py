"""People: who is signed in (`accounts`) and what their role lets them see (`access`).

A viewer's role and scope come from the `Cán bộ` tab, so `access` reads the Dataset;
nothing here computes a figure or writes the sheet. Imports: the foundation and `sheet/`.
"""
