"""The province view: a registry of communes, each commune's own sheet synced into one store.

`registry` lists the communes and their sources; `store` keeps every commune's validated
rows, problems and sync status (DuckDB by default, PostgreSQL when configured); `rollup`
and `sync` build the province's figures from them. This layer may import `sheet`,
`figures`, `people` and the foundation; only the application edge (`cli`,
`settings_view`, `backup`) and the pages import it.
"""
