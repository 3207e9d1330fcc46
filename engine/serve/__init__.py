"""`policy serve`: the decision service (HTTP) and the self-check page, from the same policy files
and with the same explanations as the CLI. Needs the `serve` extra (starlette, uvicorn)."""
