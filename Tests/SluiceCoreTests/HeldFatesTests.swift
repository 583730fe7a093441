import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

/// The on-disk store of dedupe primaries' fates against the dictionary assembly used to hold them in.
@Suite struct HeldFatesTests {
    func randomFate(_ random: inout SeededGenerator) -> RowFate {
        let n = Int(random.next() % 1_000)
        switch random.next() % 3 {
        case 0:
            return .enriched(
                ["category": .string("bug"), "urgency": .int(n % 5 + 1), "summary": .string("é \"q\" \(n)")])
        case 1:
            let failure = RowFailure(
                category: .schema, code: "schema.enum", message: "row \(n) said refund", path: "/category")
            return .failed(failure, attempts: n % 3 + 1, raw: #"{"category":"refund"}"#)
        default:
            return .failed(
                RowFailure(category: .transient, code: "result.missing", message: "no result"), attempts: 0, raw: nil)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func answersWhatADictionaryAnswersOnRandomRows(seed: UInt64) async throws {
        try await withTemporaryDirectory { directory in
            var random = SeededGenerator(state: seed)
            let held = try HeldFates(directory: directory)
            var plain: [Int: RowFate] = [:]
            var mismatches: [Int] = []
            // Enough fates to cross several flushes, with lookups of held rows, of rows never held, of the
            // row just kept (still in the write buffer) and of rows past the last one.
            for row in 1...20_000 {
                if random.next() % 3 == 0 {
                    let fate = randomFate(&random)
                    try held.keep(fate, row: row)
                    plain[row] = fate
                }
                for probe in [Int(random.next() % UInt64(row)) + 1, row, row + 1] {
                    if try held.fate(of: probe) != plain[probe] { mismatches.append(probe) }
                }
            }
            #expect(mismatches.isEmpty)
            #expect(held.count == plain.count)
            for (row, fate) in plain { #expect(try held.fate(of: row) == fate) }
        }
    }
}
