"""`vadesk serve` with Bolt's process_before_response=True, for `ack_bench --mode pbr`.

The `vadesk` command always serves in Bolt's default mode (ack polled every 10 ms);
this launcher builds the same app the same way, only in the other mode, so the
benchmark can say which mode serves VA Desk best. Settings come from the environment.
"""

from __future__ import annotations

import argparse
import logging

from bot.cli import DRAIN_SECONDS
from bot.server import serve
from bot.settings import load_settings
from bot.shutdown import drainable_app
from store.db import create_db_engine, migrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    settings = load_settings(load_dotenv_file=False)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = create_db_engine(settings.database_url, settings.database_pool_size)
    migrate(engine)
    app, drain = drainable_app(settings, engine, DRAIN_SECONDS, process_before_response=True)
    serve(app, engine, args.host, args.port, args.threads, drain)


if __name__ == "__main__":
    main()
