"""Fixtures shared by the conformance tests."""

import pytest

from sluice_support import kill_if_running, spawn_daemon

# What most daemon tests want: files claimed at once, inboxes rescanned every second.
QUICK = ("--settle", "0", "--rescan", "1")


@pytest.fixture
def daemons(tmp_path):
    """Starts `sluice run --root ROOT ARGS...` (QUICK without ARGS) with its log in tmp_path; any still running at
    the end is killed."""
    started = []

    def start(root, *args):
        proc = spawn_daemon(root, tmp_path / f"daemon{len(started)}.log", *(args or QUICK))
        started.append(proc)
        return proc

    yield start
    for proc in started:
        kill_if_running(proc)
