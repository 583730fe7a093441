import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Arrival windows and the realtime ledger")
struct ArrivalWindowTests {
    static let ms: Int64 = 1_000_000
    static let second: Int64 = 1_000_000_000

    @Test("max_in_window is exact on a synthetic arrival list, boundaries included")
    func synthetic() {
        let arrivals: [Int64] = [0, 100, 200, 1000, 1050, 1100, 1150, 3000].map { $0 * Self.ms }
        // [200 ms, 1200 ms) holds 200, 1000, 1050, 1100, 1150.
        #expect(ArrivalWindows.maxInWindow(arrivals, length: Self.second) == 5)
        #expect(ArrivalWindows.maxInWindow(arrivals, length: 100 * Self.ms) == 2)
        #expect(ArrivalWindows.maxInWindow(arrivals, length: 10 * Self.second) == 8)
        #expect(ArrivalWindows.maxInWindow(arrivals, length: 1) == 1)
        // Exactly one window length apart: never in the same window.
        #expect(ArrivalWindows.maxInWindow([0, Self.second], length: Self.second) == 1)
        #expect(ArrivalWindows.maxInWindow([0, Self.second - 1], length: Self.second) == 2)
        #expect(ArrivalWindows.maxInWindow([5, 5, 5], length: 1) == 3)
        #expect(ArrivalWindows.maxInWindow([], length: Self.second) == 0)
        #expect(ArrivalWindows.maxInWindow([42], length: Self.second) == 1)
    }

    @Test("the two-pointer scan agrees with brute force on random lists")
    func bruteForce() {
        var random = SplitMix64(seed: 11)
        for _ in 0..<200 {
            var t: Int64 = 0
            let arrivals = (0..<random.int(in: 0...60)).map { _ -> Int64 in
                t += Int64(random.int(in: 0...400)) * Self.ms
                return t
            }
            for length in [Self.second, 250 * Self.ms, 3 * Self.second] {
                let brute =
                    arrivals.map { start in arrivals.filter { $0 >= start && $0 < start + length }.count }.max() ?? 0
                #expect(ArrivalWindows.maxInWindow(arrivals, length: length) == brute)
            }
        }
    }

    @Test("the ledger numbers calls, keeps the most recent arrivals in order, counts outcomes, and resets")
    func ledger() async {
        let ledger = RealtimeLedger(capacity: 3)
        var calls: [UInt64] = []
        for i in 0..<5 { calls.append(await ledger.arrive(i % 2 == 0 ? .chatCompletions : .embeddings)) }
        #expect(calls == [1, 2, 3, 4, 5])
        await ledger.finish(.chatCompletions, .answered, fault: nil)
        await ledger.finish(.chatCompletions, .rateLimited, fault: .http429)
        await ledger.finish(.embeddings, .serverError, fault: .http5xx)
        await ledger.finish(.embeddings, .clientError, fault: nil)
        let kept = await ledger.orderedArrivals
        #expect(kept.count == 3)
        #expect(kept == kept.sorted())
        let wire = await ledger.wire
        #expect(wire["requests"] == 5)
        #expect(wire["answered"] == 1)
        #expect(wire["rate_limited"] == 1)
        #expect(wire["server_errors"] == 1)
        #expect(wire["client_errors"] == 1)
        #expect(wire["faults"] == ["http429": 1, "http5xx": 1])
        #expect(wire["by_endpoint"]?["/v1/chat/completions"]?["requests"] == 3)
        #expect(wire["by_endpoint"]?["/v1/embeddings"]?["requests"] == 2)
        #expect(wire["arrivals_kept"] == 3)
        #expect(wire["arrivals_dropped"] == 2)
        #expect(wire["max_in_window"]?["1s"] == 3)
        let arrivals = await ledger.arrivalsWire
        #expect(arrivals["count"] == 3)
        #expect(arrivals["dropped"] == 2)
        #expect(arrivals["offsets_ms"]?.arrayValue?.first == .double(0))
        await ledger.reset()
        #expect(await ledger.arrive(.embeddings) == 1)
        let after = await ledger.wire
        #expect(after["requests"] == 1)
        #expect(after["answered"] == 0)
        #expect(after["arrivals_dropped"] == 0)
    }
}
