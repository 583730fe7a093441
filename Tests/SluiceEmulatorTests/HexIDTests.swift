import Testing

@testable import SluiceEmulator

@Suite struct HexIDTests {
    @Test func idsWrittenAsBytesAreTheStringsWithTheSameDraws() {
        var seeds = SplitMix64(seed: 21)
        for _ in 0..<2000 {
            let seed = seeds.next()
            var a = SplitMix64(seed: seed)
            var b = SplitMix64(seed: seed)
            let id = HexID(drawing: &a)
            var bytes: [UInt8] = [7]
            id.append(into: &bytes)
            let expected = b.hex(32)
            #expect(id.text == expected)
            #expect(bytes == [7] + Array(expected.utf8))
            var written: [UInt8] = []
            let count = seeds.below(40)
            a.appendBase62(count, into: &written)
            #expect(written == Array(b.base62(count).utf8))
            #expect(a.next() == b.next())
        }
    }
}
