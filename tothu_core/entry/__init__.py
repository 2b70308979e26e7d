"""The write path of the monthly form: validate, keep in the outbox, append, mark sent.

`entries` validates a cadre's submission against the Dataset and their assignment,
`outbox` keeps every submission locally until the source has taken it, `submit` drives
one write and invalidates the shared snapshot, `month_lock` says which months still take
entries. Imports: the foundation, `sheet/`, `figures/` and `people/` (a submission is
checked against the signed-in viewer).
"""
