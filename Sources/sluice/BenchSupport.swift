import ArgumentParser
import Foundation
import SluiceCore
import SluiceProviders

/// What `sluice bench` subcommands share: loading the spec, staging a file untimed, and measuring a phase.
enum BenchSupport {
    /// The spec of `pipeline` under the root, or exit 1 after printing its problems.
    static func spec(_ pipeline: String, paths: SluicePaths) throws -> PipelineSpec {
        do {
            return try SpecLoader.load(path: paths.spec(pipeline))
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
    }

    /// Stages `file` into `directory` with the OpenAI limits (every OpenAI-style provider shares them).
    static func stage(_ file: String, spec: PipelineSpec, directory: String) async throws -> StagingResult {
        let stager = Stager(
            spec: spec, line: OpenAIRequestFormat.line(for: spec), providerMaxBytes: 200_000_000,
            providerMaxRequests: 50_000)
        let source = URL(fileURLWithPath: file)
        return try await Blocking.run("sluice-bench-stage") {
            try stager.stage(sourcePath: source.path, fileName: source.lastPathComponent, directory: directory)
        }
    }

    /// Wall seconds and CPU seconds (user + system, every thread of this process) spent in `body`.
    ///
    /// CPU seconds are what the benchmark compares on a shared machine: wall time swings with the neighbours.
    static func measure<T: Sendable>(_ body: () async throws -> T) async rethrows -> (T, wall: Double, cpu: Double) {
        let cpu0 = cpuSeconds()
        let start = ContinuousClock.now
        let value = try await body()
        let elapsed = ContinuousClock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (value, wall, cpuSeconds() - cpu0)
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// This process's peak resident set so far, in KB (getrusage's `ru_maxrss`: Linux's VmHWM).
    static func peakRSSKilobytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss)
    }

    /// The size of the file at `path`, 0 when it cannot be read.
    static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// A fresh folder for one bench run: `keep` when given (left for the caller to inspect), else a temporary one.
    static func workDirectory(keep: String?) throws -> String {
        let work = keep ?? (NSTemporaryDirectory() + "/sluice-bench-" + UUID().uuidString)
        try? FileManager.default.removeItem(atPath: work)
        try SluicePaths.ensureDirectory(work)
        return work
    }

    /// One JSON object of numbers and strings, keys in the given order (what Benchmarks/bench.py reads).
    static func json(_ fields: KeyValuePairs<String, Any>) -> String {
        let body = fields.map { key, value in
            switch value {
            case let text as String: "\"\(key)\":\"\(text)\""
            default: "\"\(key)\":\(value)"
            }
        }
        return "{" + body.joined(separator: ",") + "}"
    }
}
