import Testing

@testable import SluiceCore

@Suite struct TemplateTests {
    @Test func parsesFieldsAndLiterals() throws {
        let t = try Template("Subject: {{subject}}\nBody: {{ body }} ({{customer.address.city}}) {{subject}}")
        #expect(t.fields.map(\.name) == ["subject", "body", "customer.address.city"])
        #expect(t.fields[2].components == ["customer", "address", "city"])
        #expect(t.segments.count == 8)
        #expect(t.segments[0] == .literal(Array("Subject: ".utf8)))
    }

    @Test func singleBracesAreLiteral() throws {
        let t = try Template("JSON like {\"a\": 1} and } stay")
        #expect(t.fields.isEmpty)
        #expect(t.segments == [.literal(Array("JSON like {\"a\": 1} and } stay".utf8))])
    }

    @Test func unclosedPlaceholderIsAnError() {
        #expect(throws: TemplateError(code: "template.unclosed", message: "'{{' at character 7 has no closing '}}'")) {
            try Template("Hello {{name")
        }
    }

    @Test func emptyOrDottyNamesAreErrors() {
        #expect(throws: TemplateError.self) { try Template("{{}}") }
        #expect(throws: TemplateError.self) { try Template("{{a..b}}") }
        #expect(throws: TemplateError.self) { try Template("{{.a}}") }
    }

    @Test func customIDsRoundTrip() {
        #expect(CustomID.make(row: 42) == "r42")
        #expect(CustomID.make(row: 42, attempt: 3) == "r42-3")
        #expect(CustomID.parse("r42")! == (42, 1))
        #expect(CustomID.parse("r42-3")! == (42, 3))
        #expect(CustomID.parse("x42") == nil)
        #expect(CustomID.parse("r0") == nil)
        #expect(CustomID.parse("r4-1") == nil)
        #expect(CustomID.parse("r4-2-3") == nil)
    }

    @Test func durations() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("10m") == .seconds(600))
        #expect(DurationText.parse("24h") == .seconds(86400))
        #expect(DurationText.parse("1.5") == .milliseconds(1500))
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("-1s") == nil)
    }
}
