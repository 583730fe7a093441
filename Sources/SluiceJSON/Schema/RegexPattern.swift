/// A compiled `pattern`: Swift `Regex` set up to behave like an ECMA-262 regex with the `u` flag as far as the
/// engine allows (`.` matches one Unicode scalar, `\d` and `\w` are ASCII, `\b` is the simple word boundary).
/// Matching is a search (`abc` matches `xabcx`), as JSON Schema specifies; anchor with `^…$` to match whole.
///
/// The engine backtracks, so a pathological pattern such as `^(a+)+$` can take exponential time on some inputs.
///
/// `@unchecked Sendable`: `Regex` is an immutable value whose only lazily built state (the lowered program) the
/// standard library publishes with an atomic compare-and-swap; `init` forces that state before the value is
/// shared, so concurrent matches only read it.
struct RegexPattern: @unchecked Sendable {
    /// The pattern as written in the schema.
    let source: String
    private let regex: Regex<AnyRegexOutput>

    /// Parses and compiles `source`; throws the engine's parse error for invalid patterns.
    init(_ source: String) throws {
        self.source = source
        regex = try Regex(source)
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyDigits()
            .asciiOnlyWordCharacters()
            .wordBoundaryKind(.simple)
        // Lower the program now: once at schema compile time rather than racing on the first rows.
        _ = "".contains(regex)
    }

    /// Whether the pattern matches anywhere in `string`.
    func matches(_ string: String) -> Bool {
        string.contains(regex)
    }
}
