import SluiceCore
import Testing

@testable import SluiceOps

@Suite struct BearerCheckTests {
    @Test func withoutATokenEveryRequestPasses() {
        let check = BearerCheck(token: nil)
        #expect(check.allows(authorization: nil))
        #expect(check.allows(authorization: "Bearer whatever"))
    }

    @Test func theTokenMustMatchExactly() {
        let check = BearerCheck(token: "s3cret-token")
        #expect(check.allows(authorization: "Bearer s3cret-token"))
        #expect(check.allows(authorization: "bearer s3cret-token"))
        #expect(!check.allows(authorization: nil))
        #expect(!check.allows(authorization: ""))
        #expect(!check.allows(authorization: "Bearer "))
        #expect(!check.allows(authorization: "Bearer s3cret-toke"))
        #expect(!check.allows(authorization: "Bearer s3cret-token2"))
        #expect(!check.allows(authorization: "Bearer S3cret-token"))
        #expect(!check.allows(authorization: "Basic s3cret-token"))
        #expect(!check.allows(authorization: "s3cret-token"))
    }

    @Test func constantTimeEqualComparesWholeInputs() {
        #expect(BearerCheck.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!BearerCheck.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!BearerCheck.constantTimeEqual(Array("abc".utf8), Array("abc\0".utf8)))
        #expect(!BearerCheck.constantTimeEqual([], Array("a".utf8)))
        #expect(BearerCheck.constantTimeEqual([], []))
    }

    @Test func aNonLoopbackAddressNeedsAToken() throws {
        #expect(throws: OpsError.self) { try OpsEndpoint(MetricsSettings(host: "0.0.0.0", port: 9464), environment: [:]) }
        do {
            _ = try OpsEndpoint(MetricsSettings(host: "10.1.2.3", port: 9100), environment: [:])
            Issue.record("accepted an open non-loopback address")
        } catch {
            #expect(error.code == "ops.unprotected_address")
            #expect(error.message.contains("10.1.2.3:9100"))
        }
        let open = try OpsEndpoint(MetricsSettings(host: "127.0.0.1", port: 9464), environment: [:])
        #expect(!open.auth.required)
        #expect(try !OpsEndpoint(MetricsSettings(host: "::1", port: 1), environment: [:]).auth.required)
        let guarded = try OpsEndpoint(
            MetricsSettings(host: "0.0.0.0", port: 9464, tokenEnv: "TOKEN"), environment: ["TOKEN": "t"])
        #expect(guarded.auth.required)
        #expect(guarded.auth.allows(authorization: "Bearer t"))
    }

    @Test func aNamedTokenVariableMustBeSet() {
        for environment in [[:], ["TOKEN": ""]] {
            do {
                _ = try OpsEndpoint(MetricsSettings(host: "127.0.0.1", port: 1, tokenEnv: "TOKEN"), environment: environment)
                Issue.record("accepted an unset token variable")
            } catch {
                #expect(error.code == "ops.token_missing")
                #expect(error.message.contains("TOKEN"))
            }
        }
    }

    @Test func loopbackIsRecognisedByNumber() {
        #expect(OpsEndpoint.isLoopback("127.0.0.1"))
        #expect(OpsEndpoint.isLoopback("127.8.9.10"))
        #expect(OpsEndpoint.isLoopback("localhost"))
        #expect(!OpsEndpoint.isLoopback("127.0.0.1.example.com"))
        #expect(!OpsEndpoint.isLoopback("128.0.0.1"))
        #expect(!OpsEndpoint.isLoopback("0.0.0.0"))
        #expect(!OpsEndpoint.isLoopback("::"))
    }
}
