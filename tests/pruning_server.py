"""`policy serve` with the self-check page's routes (engine/serve/relevance_route.py) for the page
tests. `python tests/pruning_server.py serve …` adds them to the app when app.py does not register
them (when it does, this is exactly `policy serve`); `PageServer` starts it like
test_serve_support.Server. No tests here."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent))

from test_serve_support import Server


def main() -> None:
    from engine.serve import app, relevance_route

    create = app.create_app

    def create_app(settings):
        made = create(settings)
        relevance_route.install(made)
        return made

    app.create_app = create_app  # before engine.serve.server takes its own reference
    from engine.cli import cli

    cli(sys.argv[1:], prog_name="policy")


class PageServer(Server):
    """test_serve_support.Server, started through this file (the same arguments, the same checks)."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([sys.executable, str(HERE), "serve", "--port", "0", *args], cwd=HERE.parent.parent,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stderr.readline()
        match = re.search(r"http://(\S+?)/ ", line)
        if not match:
            self.stop()
            raise RuntimeError(f"the server did not start: {line}{self.proc.stderr.read()}")
        self.url = f"http://{match.group(1)}"
        for _ in range(200):
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server never became ready")


if __name__ == "__main__":
    main()
