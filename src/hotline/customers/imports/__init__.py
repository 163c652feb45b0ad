"""Customer import: upload a CSV or .xlsx file, map its columns, check every row, commit.

See ``services`` for the job's life; the other modules each do one part of the work.
"""
