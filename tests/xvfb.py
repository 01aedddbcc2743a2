# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private Xvfb for the Python tests, as tests/support/xvfb_server.cpp is for C++."""
import os
import subprocess


class Xvfb:
    """Starts Xvfb on a free display; `env` runs clients on it. A context manager."""

    def __init__(self, size="1280x720x24"):
        read_end, write_end = os.pipe()
        # -noreset: the screen keeps what a client painted after it disconnects.
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-noreset", "-nolisten", "tcp",
             "-screen", "0", size], pass_fds=[write_end], stderr=subprocess.DEVNULL)
        os.close(write_end)
        with os.fdopen(read_end) as announced:  # "N\n" once the server is ready
            number = announced.readline().strip()
        if not number:
            self.process.kill()
            raise RuntimeError("Xvfb did not start (is the xvfb package installed?)")
        self.display = ":" + number
        self.env = dict(os.environ, DISPLAY=self.display)
        self.clients = []

    def run(self, *args):
        subprocess.run(args, env=self.env, check=True)

    def start(self, *args):
        """A client that lives as long as the server."""
        self.clients.append(subprocess.Popen(args, env=self.env))

    def __enter__(self):
        return self

    def __exit__(self, *_):
        for client in self.clients:
            client.kill()
            client.wait()
        self.process.kill()
        self.process.wait()
