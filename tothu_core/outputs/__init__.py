"""What leaves the app as files: export tables with the contract's headers, CSV/Excel, the report.

`tables` shapes raw and derived tables under the spreadsheet contract's export headers,
`exportfile` writes them as CSV/Excel (with formula injection neutralised), `report`,
`report_docx` and `report_pdf` build the monthly report. Imports: the foundation,
`sheet/`, `figures/` and `people/`.
"""
