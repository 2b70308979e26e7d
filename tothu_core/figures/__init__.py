"""Every figure and view model: the contract's figures (`figures.figures`) and what pages show.

Coverage, load, meetings, attendance, expected reports, completeness, on time and needs
attention are defined once in `figures.figures`; `headline`, `activity` and
`assignment_view` build the pages' cards, tables and maps on top of them, so a number
agrees on every page and in every export. Imports: the foundation and `sheet/`.
"""
