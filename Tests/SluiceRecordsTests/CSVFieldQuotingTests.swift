import Testing

@testable import SluiceRecords

/// `CSVFormat.appendField` (eight bytes at a time, memchr for quotes) against the straightforward byte loop on
/// random fields: the same bytes out.
@Suite struct CSVFieldQuotingTests {
    /// The reference: RFC 4180 quoting byte by byte.
    static func straightforward(_ bytes: [UInt8]) -> [UInt8] {
        let special = bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
        let edges: [UInt8] = bytes.isEmpty ? [] : [bytes[0], bytes[bytes.count - 1]]
        let padded = edges.contains { $0 == 0x20 || $0 == 0x09 }
        guard special || padded else { return bytes }
        var out: [UInt8] = [0x22]
        for byte in bytes {
            out.append(byte)
            if byte == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
        return out
    }

    @Test func quotesAsTheByteLoopDoesOnRandomFields() {
        var random = SeededGenerator(state: 0x5EED_0013)
        let alphabet: [UInt8] = [0x61, 0x62, 0x20, 0x09, 0x2C, 0x22, 0x0D, 0x0A, 0xC3, 0xA9, 0x2B, 0x2D, 0x5C, 0x00, 0xFF]
        for i in 0..<20_000 {
            let count = Int.random(in: 0..<40, using: &random)
            // Mostly plain letters, so that long clean runs (the eight-byte path) and a late special byte both occur.
            let bytes = (0..<count).map { _ in
                Int.random(in: 0..<6, using: &random) == 0
                    ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0x61...0x7A, using: &random)
            }
            var fast: [UInt8] = [0x7C]
            CSVFormat.appendField(bytes, to: &fast)
            #expect(Array(fast.dropFirst()) == Self.straightforward(bytes), "case \(i): \(bytes)")
        }
    }
}
