#!/usr/bin/env python3
"""rsswatch.py CMD...: runs CMD and samples /proc/PID/status every 0.1 s; prints the exit status, peak VmRSS
with its anonymous and file-backed parts, a timeline, and the largest mappings at the peak (from /proc/PID/smaps).
CMD's stderr goes to /tmp/rsswatch.err."""
import subprocess, sys, time, os
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=open("/tmp/rsswatch.err", "wb"))
peak = (0, 0, 0); peak_maps = ""; t0 = time.time(); timeline = []
while p.poll() is None:
    try:
        st = open("/proc/%d/status" % p.pid).read()
        v = {l.split(":")[0]: int(l.split()[1]) for l in st.splitlines() if l.startswith(("VmRSS", "RssAnon", "RssFile", "Threads"))}
        if v.get("VmRSS", 0) > peak[0]:
            peak = (v["VmRSS"], v["RssAnon"], v["RssFile"])
            peak_maps = open("/proc/%d/smaps" % p.pid).read()
        timeline.append((round(time.time() - t0, 1), v.get("VmRSS", 0) // 1024, v.get("RssAnon", 0) // 1024, v.get("Threads", 0)))
    except Exception:
        pass
    time.sleep(0.1)
print("exit", p.returncode, "wall %.1f" % (time.time() - t0))
print("peak VmRSS %d MB anon %d MB file %d MB" % (peak[0] // 1024, peak[1] // 1024, peak[2] // 1024))
step = max(1, len(timeline) // 25)
print("timeline (s, rss MB, anon MB, threads):", timeline[::step])
maps = []; cur = None
for line in peak_maps.splitlines():
    parts = line.split()
    if len(parts) >= 5 and "-" in parts[0] and ":" not in parts[0].split("-")[0][-1:]:
        if not line.startswith(("Size", "Rss", "Pss")) and not parts[0].endswith(":"):
            cur = [parts[5] if len(parts) > 5 else "[anon]", 0]; maps.append(cur); continue
    if line.startswith("Rss:") and cur is not None:
        cur[1] = int(parts[1])
agg = {}
for name, kb in maps:
    agg[name] = agg.get(name, 0) + kb
for name, kb in sorted(agg.items(), key=lambda x: -x[1])[:14]:
    print("%7.1f MB  %s" % (kb / 1024, name))
