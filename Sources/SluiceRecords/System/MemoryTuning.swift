#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// glibc malloc settings that keep a streaming process's resident memory at its working set.
///
/// Measured on a 10k-row `sluice process` (issue 8): peak anonymous memory 24 MB with glibc's defaults, 14 MB
/// with these. Two defaults are to blame. Each thread that mallocs gets an arena of its own (up to 8 per
/// core), and memory freed in one arena is never reused by another thread's allocations. And after the first
/// large buffer is freed, glibc raises its mmap threshold to that size (up to 32 MB), so later 1 MB read and
/// write buffers come from the heap instead of `mmap` and stay resident after `free`.
public enum MemoryTuning {
    /// Call first thing in `main`, before threads start allocating (an arena, once made, stays). A setting given
    /// in the environment (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`) is left as
    /// the operator set it: glibc has read it already, and `mallopt` would override it.
    public static func apply() {
        #if canImport(Glibc)
        func unset(_ name: String) -> Bool { getenv(name) == nil }
        // Two arenas: the two cores this runs on, without every NIO, curl and inflate thread owning one.
        if unset("MALLOC_ARENA_MAX") { _ = mallopt(M_ARENA_MAX, 2) }
        // A fixed threshold (setting it turns the sliding one off): buffers of 128 KiB and more are mapped on
        // their own and go back to the kernel when freed.
        if unset("MALLOC_MMAP_THRESHOLD_") { _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024) }
        // Give freed heap tops back once 128 KiB is free at the end, not 128 KiB after glibc's sliding value.
        if unset("MALLOC_TRIM_THRESHOLD_") { _ = mallopt(M_TRIM_THRESHOLD, 128 * 1024) }
        #endif
    }

    /// Gives the kernel back the free pages inside the heaps (`malloc_trim`), not only a free top. Call between
    /// phases: the two joins of a file's results free a few MB in the middle of the heap, which would otherwise
    /// stay resident under the assembly that follows (a 1M-row drop peaked 5–8 MB higher).
    public static func releaseFreed() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
