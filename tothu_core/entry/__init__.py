"""The write path of the monthly form: validate, keep in the outbox, append, mark sent.

`entries` validates a cadre's submission against the Dataset and their assignment,
`outbox` keeps every submission locally until the source has taken it, `submit` drives
one write and invalidates the shared snapshot, `month_lock` says which months still take
entries; `form` is the form's view model (the month due, what each group shows, what a press
sends) and `history_view` the cadre's own reports as a phone shows them. Imports: the
foundation, `sheet/`, `figures/` and `people/` (a submission is checked against the signed-in
viewer).
"""
