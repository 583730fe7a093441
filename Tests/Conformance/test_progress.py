"""Live progress through the command line: `sluice process` draws one line redrawn in place under a terminal and
plain lines when piped; `sluice status --watch` redraws the status under a terminal, prints timestamped blocks
when piped and NDJSON with --json, and ends with exit status 0 on SIGINT.

Terminals are pseudo-terminals (os.openpty) with a window size set through TIOCSWINSZ. The provider is a separate
`sluice emulator` process that spreads each batch's requests over --processing-delay, so the counts move while
the tests watch. Every wait has a timeout; nothing asserts how long anything took.
"""
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

import pytest

from sluice_support import (TICKETS_SPEC, Emulator, drop_by_rename, emulator_spec, generate, kill_if_running,
                            make_root, sluice_bin, sluice_env, spawn_daemon, status_files, wait_for, wait_for_manifest)

# Three batches of 400 requests, polled often: the provider's counts are seen moving.
BATCHES = "batch: {max_requests: 400, poll: {initial: 100ms, max: 300ms}}\n"
ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
BAR_CELLS = "█░▏▎▍▌▋▊▉"


@pytest.fixture
def emulator(tmp_path):
    started = Emulator(tmp_path / "emulator", processing_delay_ms=3000)
    yield started
    started.stop()


class PtyProcess:
    """A command with stdin, stdout and stderr on a pseudo-terminal `columns` wide; `output` collects what it
    wrote (bytes, as the terminal got them)."""

    def __init__(self, args, columns=100, env=None):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        self.proc = subprocess.Popen([sluice_bin(), *map(str, args)], stdin=slave, stdout=slave, stderr=slave,
                                     env=env or sluice_env(), start_new_session=True)
        os.close(slave)
        self.output = b""

    def read_until(self, predicate, timeout, what):
        """Reads until `predicate(output)` holds; fails after `timeout` seconds or when the terminal closes first."""
        deadline = time.monotonic() + timeout
        while not predicate(self.output):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{self.output[-3000:]!r}")
            if not self._read(0.2):
                if predicate(self.output):
                    break
                raise AssertionError(f"the terminal closed before {what} (exit {self.proc.poll()})\n"
                                     f"{self.output[-3000:]!r}")

    def finish(self, timeout):
        """Reads to the end and returns the exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read(0.2):
            pass
        try:
            return self.proc.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            os.close(self.master)

    def _read(self, wait):
        """False once the other side is closed (Linux reports EIO on the master then)."""
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return self.proc.poll() is None
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        self.output += data
        return bool(data)

    def kill(self):
        kill_if_running(self.proc)


def redraws(output):
    """The lines a progress bar drew in place: each `\\r ESC[K` starts one; what follows up to the next control
    sequence or line end is its text."""
    frames = []
    for piece in output.split(b"\r\x1b[K")[1:]:
        text = re.split(rb"[\r\n\x1b]", piece, maxsplit=1)[0].decode("utf-8")
        if text:
            frames.append(text)
    return frames


def remote_root(tmp_path, port):
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(port, BATCHES)})
    source = generate(tmp_path / "tickets.csv", 1200)
    return root, source


@pytest.mark.parametrize("columns", [100, 60])
def test_process_on_a_terminal_redraws_one_line_fitted_to_its_width(tmp_path, emulator, columns):
    root, source = remote_root(tmp_path, emulator.port)
    term = PtyProcess(["process", source, "--pipeline", "tickets", "--root", root], columns=columns)
    try:
        code = term.finish(timeout=300)
    finally:
        term.kill()
    out = term.output
    assert code == 0, out[-3000:]
    frames = redraws(out)
    assert len(frames) > 3, frames
    # Every redraw fits the terminal, one column short of its width.
    assert all(len(f) <= columns - 1 for f in frames), [f for f in frames if len(f) >= columns]
    waiting = [f for f in frames if f.startswith(("waiting for provider", "tickets.csv  waiting for provider"))]
    assert waiting, frames
    assert any(c in BAR_CELLS for c in waiting[-1]), waiting[-1]
    assert all("ETA" in f and re.search(r"\d+/\d+ requests", f) for f in waiting), waiting
    assert any("/1200 requests" in f for f in waiting), waiting
    # The ETA is measured once requests are answered: a number, not only "—".
    assert any(re.search(r"ETA \d", f) for f in waiting), waiting
    assert any(" rows" in f for f in frames), frames
    # Ends on the done line, then the result line (on stdout, the same terminal here).
    assert frames[-1].startswith(("tickets.csv  done", "done")) and "100%" in frames[-1], frames[-1]
    text = ESCAPE.sub(b"", out).decode("utf-8")
    assert re.search(r"tickets\.csv: 1200 rows, 1200 enriched, 0 failed, 3 batch\(es\) → \S+manifest\.json", text), text


def test_process_piped_prints_plain_lines_per_phase(tmp_path, emulator):
    root, source = remote_root(tmp_path, emulator.port)
    proc = subprocess.run([sluice_bin(), "process", str(source), "--pipeline", "tickets", "--root", str(root)],
                          capture_output=True, timeout=300, env=sluice_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert b"\r" not in proc.stderr and b"\x1b" not in proc.stderr, proc.stderr
    lines = proc.stderr.decode("utf-8").splitlines()
    assert all(line.startswith("tickets.csv: ") for line in lines), lines
    phases = [line.split(": ")[1] for line in lines]
    # One line per phase, in order (a 3 s wait is well under the 10 s repeat).
    firsts = [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p]
    assert firsts == ["staging", "submitting", "waiting for provider", "writing", "done"], lines
    assert lines[0] == "tickets.csv: staging: 100%, 1200 rows read, " + lines[0].split(", ")[2] + ", " + lines[0].split(", ")[3]
    waiting = next(line for line in lines if ": waiting for provider: " in line)
    assert re.search(r"\d+/\d+ requests, batches \d/3, elapsed \d+s, ETA ", waiting), waiting
    assert lines[-1].startswith("tickets.csv: done: 1200 rows, batches 3/3"), lines
    assert proc.stdout.decode().startswith("tickets.csv: 1200 rows, 1200 enriched, 0 failed")


def test_process_progress_modes(tmp_path):
    """--progress none and --quiet print only the result line; --progress bar draws even into a pipe; staging a
    file of more than 16384 rows reports rows read and MB/s."""
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    source = generate(tmp_path / "big.jsonl", 20000, fmt="jsonl")
    args = [sluice_bin(), "process", str(source), "--pipeline", "tickets", "--root", str(root)]
    plain = subprocess.run(args + ["--progress", "plain"], capture_output=True, timeout=600)
    assert plain.returncode == 0, plain.stderr[-3000:]
    staging = [line for line in plain.stderr.decode().splitlines() if ": staging: " in line]
    # A plain (not gzip) source: the share of its bytes read is known.
    assert staging and re.match(r"big\.jsonl: staging: \d+%, 16384 rows read, \d+\.\d MB/s, elapsed \d+s$", staging[0]), staging
    for extra in (["--progress", "none"], ["--quiet"]):
        quiet = subprocess.run(args + extra, capture_output=True, timeout=600)
        assert quiet.returncode == 0 and quiet.stderr == b"", (extra, quiet.stderr[-2000:])
        assert b"20000 rows" in quiet.stdout
    bar = subprocess.run(args + ["--progress", "bar"], capture_output=True, timeout=600)
    assert bar.returncode == 0 and b"\r\x1b[K" in bar.stderr, bar.stderr[-2000:]
    assert all(len(f) <= 79 for f in redraws(bar.stderr)), redraws(bar.stderr)
    bad = subprocess.run(args + ["--progress", "fancy"], capture_output=True, timeout=60)
    assert bad.returncode != 0 and b"fancy" in bad.stderr, bad.stderr


@pytest.fixture
def slow_daemon(tmp_path):
    """A daemon whose file stays at the provider for a while: 3 batches, each spread over 20 s."""
    emulator = Emulator(tmp_path / "emulator", processing_delay_ms=20000)
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port, BATCHES)})
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True)
    daemon = spawn_daemon(root, tmp_path / "daemon.log", "--settle", "0", "--rescan", "1")
    try:
        drop_by_rename(generate(tmp_path / "slow.csv", 1200), inbox, "slow.csv")

        def answering():
            files = status_files(root)
            return files and files[0]["stage"] == "submitted" and files[0]["progress"]["requests_done"] > 0

        wait_for(answering, 120, "the file's requests being answered at the provider")
        yield root
    finally:
        kill_if_running(daemon)
        emulator.stop()


def test_status_watch(slow_daemon):
    root = slow_daemon
    # On a terminal: the screen redrawn with a bar for the file; SIGINT ends it with 0 and the cursor shown.
    term = PtyProcess(["status", "--watch", "--interval", "0.5", "--root", root], columns=100)
    try:
        bar_line = rf"[{BAR_CELLS}]+ \d+%  \d+/1200 requests  \d/3 batches  ETA \S+"
        term.read_until(lambda out: out.count(b"\x1b[2J") >= 2 and re.search(bar_line, out.decode("utf-8", "ignore")), 60,
                        "two redraws showing the file's bar")
        term.proc.send_signal(signal.SIGINT)
        code = term.finish(timeout=30)
    finally:
        term.kill()
    assert code == 0, term.output[-2000:]
    assert term.output.startswith(b"\x1b[?25l") and term.output.rstrip().endswith(b"\x1b[?25h"), term.output[-200:]
    screen = term.output.rsplit(b"\x1b[2J", 1)[1].decode("utf-8")
    assert "Every 0.5s: sluice status" in screen and "slow.csv" in screen and "submitted" in screen, screen

    # Piped: blocks, each after a timestamp line, no control characters.
    piped = subprocess.Popen([sluice_bin(), "status", "--watch", "--interval", "0.5", "--root", str(root)],
                             stdout=subprocess.PIPE, env=sluice_env())
    try:
        lines = []
        while sum(line.startswith(b"--- ") for line in lines) < 3:
            lines.append(piped.stdout.readline())
            assert lines[-1], lines
        piped.send_signal(signal.SIGINT)
        # Read through the buffered reader (communicate with a timeout would skip what it holds already).
        piped.wait(timeout=30)
        rest = piped.stdout.read()
    finally:
        kill_if_running(piped)
    assert piped.returncode == 0
    text = b"".join(lines) + rest
    assert b"\x1b" not in text and b"\r" not in text, text
    blocks = text.decode("utf-8").split("--- ")[1:]
    assert len(blocks) >= 3
    for block in blocks[:3]:
        stamp, body = block.split("\n", 1)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), stamp
        assert "slow.csv" in body and re.search(r"\d+/1200 requests  \d/3 batches  ETA ", body), body

    # --json: one object per line, each with the file's progress; the ETA is a number once requests are answered.
    ndjson = subprocess.Popen([sluice_bin(), "status", "--watch", "--json", "--interval", "0.5", "--root", str(root)],
                              stdout=subprocess.PIPE, env=sluice_env())
    try:
        objects = [json.loads(ndjson.stdout.readline()) for _ in range(3)]
        ndjson.send_signal(signal.SIGINT)
        ndjson.wait(timeout=30)
    finally:
        kill_if_running(ndjson)
    assert ndjson.returncode == 0
    for obj in objects:
        (file,) = [f for f in obj["files"] if f["name"] == "slow.csv"]
        progress = file["progress"]
        assert progress["requests_total"] == 1200 and progress["batches_total"] == 3, progress
        assert 0 < progress["requests_done"] <= 1200 and 0 <= progress["batches_finished"] <= 3, progress
        assert progress["requests_done"] == sum(b["succeeded"] + b["failed"] for b in file["batches"]), file
        assert isinstance(progress["eta_seconds"], int) and progress["eta_seconds"] >= 0, progress
    assert len({o["generated_at"] for o in objects}) >= 2, "the status was not read again each interval"
