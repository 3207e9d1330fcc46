"""Starting `policy serve` as a real process on a free localhost port, for the serve tests (no tests here)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """`python -m engine.cli serve --port 0 …` in its own session; `url` once it answers /readyz."""

    def __init__(self, *args: str, cwd: Path = ROOT, env: dict | None = None):
        self.proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", "0", *args], cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                     env={**os.environ, **(env or {})})
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

    def request(self, method: str, path: str, body: bytes | str | dict | list | None = None, headers: dict | None = None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode("utf-8")
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, body=None, headers=None):
        return self.request("POST", path, body, headers)

    def post_json(self, path: str, body=None):
        status, headers, data = self.post(path, body)
        return status, headers, json.loads(data)

    def signal(self, sig) -> None:
        os.kill(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()



def logged_server(tmp_path_factory, *args: str) -> Server:
    """A one-worker server on the bundled policies with its own decision log (`server.log`), for a
    module fixture (the caller stops it)."""
    log = tmp_path_factory.mktemp("log") / "decisions.jsonl"
    server = Server("--policies", str(ROOT / "policies"), "--workers", "1", "--log", str(log), *args)
    server.log = log
    return server


def copy_policies(tmp: Path) -> Path:
    target = tmp / "policies"
    shutil.copytree(ROOT / "policies", target)
    return target
