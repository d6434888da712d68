"""What an operator sees of a running VA Desk: structured, redacted logs that name the
request they belong to (`requests`, `logs`), the health report of `/healthz` (`health`)
and the Prometheus metrics of `/metrics` (`metrics`). Nothing here writes SQL: `health`
reads the scheduler's beat through `store`."""
