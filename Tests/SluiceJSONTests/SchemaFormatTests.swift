import SluiceJSON
import Testing

@Suite struct SchemaFormatTests {
    static let cases: [(format: String, valid: [String], invalid: [String])] = [
        (
            "date", ["2024-02-29", "2000-02-29", "1999-12-31"],
            [
                "2023-02-29", "1900-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "2024-1-01", "24-01-01",
                "2024-01-01T",
            ]
        ),
        (
            "time", ["23:59:60", "00:00:00Z", "12:30:00.123+05:30", "12:30:00"],
            ["24:00:00", "12:60:00", "12:30", "12:30:00+5:30", "12:30:00.", "12:30:00Q"]
        ),
        (
            "date-time", ["2024-05-01T12:30:00Z", "2024-05-01t12:30:00.5-07:00", "2024-05-01 12:30:00+00:00"],
            ["2024-05-01T12:30:00", "2024-05-01", "2024-05-01X12:30:00Z", "2024-02-30T00:00:00Z"]
        ),
        (
            "duration", ["P1Y2M10DT2H30M", "PT20M", "P3W", "P1D", "PT0S"],
            ["P", "PT", "P1H", "P1M2Y", "1Y", "P1Y2", "PT1H2"]
        ),
        (
            "email", ["a@b.co", "first.last+tag@mail.example.com", "x_y-z@a-b.io"],
            ["a@b", "@b.co", "a@", "a..b@c.de", ".a@c.de", "a.@c.de", "a b@c.de", "a@-b.co", "a@b..co", "ä@b.co"]
        ),
        (
            "hostname", ["localhost", "a-b.example.com", "x1"],
            ["-a.com", "a-.com", "a..b", "", "a_b.com", String(repeating: "a", count: 64)]
        ),
        (
            "ipv4", ["0.0.0.0", "192.168.1.255", "255.255.255.255"],
            ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.a", " 1.2.3.4"]
        ),
        (
            "ipv6",
            ["::", "::1", "1::", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "1:2:3:4:5:6:7::"],
            [
                "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "12345::", "1:2:3:4:5:6:7", "::g", "1:2:3:4:5:6:7:8::",
                "1.2.3.4",
            ]
        ),
        (
            "uuid", ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"],
            [
                "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400",
                "g23e4567-e89b-12d3-a456-426614174000",
            ]
        ),
    ]

    @Test(arguments: cases.indices)
    func format(_ index: Int) throws {
        let (format, valid, invalid) = Self.cases[index]
        let schema = try compiled(#"{"format":"\#(format)"}"#)
        for value in valid {
            #expect(schema.validate(.string(value)) == [], "\(format): \(value) should be valid")
        }
        for value in invalid {
            #expect(
                schema.validate(.string(value)) == [
                    SchemaViolation(
                        code: "schema.format", path: "",
                        message: "(root): \(JSONWriter.string(.string(Self.shown(value)))) is not a valid \(format)")
                ], "\(format): \(value) should be invalid")
        }
    }

    /// Messages show at most 40 characters of a string.
    static func shown(_ value: String) -> String {
        value.count > 40 ? value.prefix(40) + "…" : value
    }

    @Test func formatsIgnoreNonStrings() throws {
        #expect(try compiled(#"{"format":"date"}"#).validate(json("20240101")) == [])
    }
}
