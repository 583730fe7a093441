"""Realtime fan-out under rate limiting: `sluice process` against `sluice emulator --faults http429=0.2`.

One call in five is refused with 429 + Retry-After. The drop must still complete with every row answered exactly
once, and the emulator's own record of arrivals must show the spec's requests-per-minute limit held, retries
included. The drop is sized so that a client ignoring the limit would break it: more requests than the limit
allows in one minute.
"""
import os

from sluice_support import TICKETS_SPEC, Emulator, check_exactly_once, generate, make_root, process_drop

ROWS = int(os.environ.get("SLUICE_REALTIME_ROWS", "2000"))
RPM = int(os.environ.get("SLUICE_REALTIME_RPM", "2000"))


def test_429s_are_retried_within_the_rpm_limit(tmp_path):
    with Emulator(tmp_path / "emulator", seed=5, extra_args=["--faults", "http429=0.2"]) as emulator:
        spec = TICKETS_SPEC.replace(
            "provider: local\n",
            f"provider: realtime\nbase_url: {emulator.base}/v1\napi_key_env: SLUICE_TEST_KEY\n",
        ) + f"realtime: {{concurrency: 8, rpm: {RPM}, max_attempts: 12}}\n"
        root = make_root(tmp_path / "root", {"urgent": spec})
        drop = generate(tmp_path / "urgent.csv", rows=ROWS, seed=21)
        process_drop(root, drop, "urgent", timeout=900)

        manifest = check_exactly_once(root / "outbox" / "urgent", drop, "urgent.csv")
        assert manifest["counts"]["succeeded"] == ROWS, manifest["counts"]

        realtime = emulator.stats()["realtime"]
        print(f"\nrealtime: {ROWS} rows, rpm {RPM}: {realtime['requests']} calls, {realtime['rate_limited']} answered 429, "
              f"most in a window: {realtime['max_in_window']}")
        # Every row was answered once; every refusal was a 429 that the client retried.
        assert realtime["answered"] == ROWS, realtime
        assert realtime["requests"] == realtime["answered"] + realtime["rate_limited"], realtime
        # About one call in five was refused.
        assert 0.15 < realtime["rate_limited"] / realtime["requests"] < 0.25, realtime
        assert realtime["requests"] > RPM, "the drop must be large enough for the limit to matter"
        # The limit held in every sliding minute, and, scaled, in every sliding ten seconds.
        assert realtime["max_in_window"]["60s"] <= RPM, realtime
        assert realtime["max_in_window"]["10s"] <= RPM // 6, realtime
