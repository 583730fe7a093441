import Testing

@testable import SluiceCore

/// `notify:` in a spec and `webhooks:` in sluice.yaml.
@Suite struct NotifySpecTests {
    func parse(_ notify: String) -> (PipelineSpec?, [SpecProblem]) {
        do {
            return (try SpecLoader.parse(yaml: validSpec + "\n" + notify, name: "tickets", file: "t.yaml"), [])
        } catch {
            return (nil, error.problems)
        }
    }

    @Test func aValidNotifyIsParsed() {
        let (spec, problems) = parse(
            "notify: {url: \"https://hooks.example.com/sluice?token=abc\", secret_env: SLUICE_HOOK_SECRET, failure_rate: 0.05}")
        #expect(problems.isEmpty)
        #expect(
            spec?.notify
                == NotifySpec(
                    url: "https://hooks.example.com/sluice?token=abc", secretEnv: "SLUICE_HOOK_SECRET", failureRate: 0.05))
    }

    @Test func aLiteralSecretIsRefusedWithTheReason() {
        let (_, problems) = parse("notify: {url: \"https://h.example/x\", secret: hunter2}")
        let secret = problems.first { $0.keyPath == "notify.secret" }
        #expect(secret?.code == "spec.secret_in_spec")
        #expect(secret?.message.contains("secret_env") == true)
        // The secret's value is not repeated in the error.
        #expect(!problems.contains { $0.message.contains("hunter2") })
        #expect(problems.contains { $0.keyPath == "notify.secret_env" && $0.code == "spec.missing_key" })
    }

    @Test func urlMustBeHTTPOrHTTPSAndTheRateAFraction() {
        let (_, problems) = parse("notify: {url: \"ftp://h.example/x?token=abc\", secret_env: S, failure_rate: 5}")
        let url = problems.first { $0.keyPath == "notify.url" }
        #expect(url?.code == "spec.invalid_value")
        #expect(url?.message.contains("token=abc") == false)
        #expect(problems.contains { $0.keyPath == "notify.failure_rate" && $0.code == "spec.out_of_range" })
        #expect(parse("notify: {url: \"not a url\", secret_env: S}").1.contains { $0.keyPath == "notify.url" })
    }

    @Test func webhookSettingsComeFromSluiceYAML() throws {
        let settings = try SettingsFile.parse(
            yaml: "webhooks: {initial_backoff: 200ms, max_backoff: 2s, give_up_after: 1h}\n", file: "sluice.yaml",
            root: "/r")
        #expect(
            settings.daemon.webhooks
                == WebhookSettings(initialBackoff: .milliseconds(200), maxBackoff: .seconds(2), giveUpAfter: .seconds(3600)))
        #expect(throws: SpecError.self) {
            try SettingsFile.parse(yaml: "webhooks: {initial_backoff: 5m, max_backoff: 1m}\n", file: "s", root: "/r")
        }
    }

    @Test func urlsAreShownWithoutQueryOrCredentials() {
        #expect(NotifyURL.redacted("https://u:p@h.example/hook?token=abc#x") == "https://h.example/hook?…")
        #expect(NotifyURL.redacted("http://127.0.0.1:9/hook") == "http://127.0.0.1:9/hook")
    }
}
