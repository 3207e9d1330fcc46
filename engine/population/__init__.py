"""Many cases at once: `policy batch` (JSON Lines / CSV, row by row through the fast form), `policy population` (the SQL form on DuckDB or Spark), the comparison of two policies over a population and its report, and the synthetic population.
Takes case files or tables; gives one record per case, summaries and reports."""
