import Foundation
import Logging
import SluiceJSON
import SluiceTesting
import Synchronization
import Testing

@testable import SluiceCore

/// A receiver in memory: answers from a script of statuses (the last one repeats) and keeps every request.
final class ScriptedReceiver: WebhookSender {
    struct Request: Sendable {
        var url: String
        var headers: [String: String]
        var body: [UInt8]
    }
    private let state: Mutex<(statuses: [Int], requests: [Request])>

    init(_ statuses: [Int]) { state = Mutex((statuses, [])) }

    var requests: [Request] { state.withLock { $0.requests } }

    func post(url: String, headers: [(name: String, value: String)], body: [UInt8]) async throws -> Int {
        state.withLock { s in
            s.requests.append(Request(url: url, headers: Dictionary(uniqueKeysWithValues: headers.map { ($0.name, $0.value) }), body: body))
            return s.statuses.count > 1 ? s.statuses.removeFirst() : s.statuses[0]
        }
    }
}

@Suite struct NotificationCourierTests {
    static let notify = NotifySpec(url: "http://127.0.0.1:1/hook?token=t0k3n", secretEnv: "HOOK_SECRET", failureRate: 0.5)
    static let fast = WebhookSettings(initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(2), giveUpAfter: .seconds(3600))

    func withDrop(_ body: (StateStore, Int64) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir + "/state.sqlite")
            let drop = DropRecord(
                key: DropRecord.newKey(), origin: .inbox, pipeline: "tickets", sourceName: "t.csv", sourcePath: "/x/t.csv",
                sha256: "h", bytes: 1, specSHA256: "s", specText: nil, receivedAt: Date())
            try await body(store, try await store.insertDrop(drop).id!)
        }
    }

    func manifest(failed: Int, rows: Int, writtenAt: Date) -> Manifest {
        var m = Manifest(
            pipeline: "tickets", status: "complete", specSHA256: "s", sourceName: "t.csv", sourceBytes: 1, sourceSHA256: "h",
            rowsIn: rows, receivedAt: writtenAt)
        m.failed = failed
        m.succeeded = rows - failed
        m.writtenAt = writtenAt
        return m
    }

    func courier(_ store: StateStore, _ receiver: ScriptedReceiver, settings: WebhookSettings = NotificationCourierTests.fast, secret: String? = "s3cret")
        -> NotificationCourier
    {
        NotificationCourier(
            store: store, sender: receiver, settings: settings, logger: Logger(label: "test"), secret: { _ in secret })
    }

    @Test func anEventRecordedTwiceIsEnqueuedOnceAndANewManifestGenerationAgain() async throws {
        try await withDrop { store, id in
            let draft = NotificationDraft(notify: Self.notify, pipeline: "tickets", dropID: id, fileName: "t.csv")
            let first = Date(timeIntervalSince1970: 1_796_090_000.25)
            // The same manifest recorded again (a resumed write): new UUIDs, same keys.
            for _ in 0..<2 {
                try await store.updateDrop(id: id, notifying: draft.forManifest(manifest(failed: 6, rows: 10, writtenAt: first), path: "/o/t.manifest.json")) {
                    $0.stage = .written
                }
            }
            var rows = try await store.notifications(dropID: id)
            #expect(rows.map(\.event) == [.complete, .failureRate])
            #expect(rows[0].key == "drop:\(id):complete:1796090000250")
            // `sluice retry`'s next generation of the same drop: a delivery of its own.
            try await store.updateDrop(
                id: id, notifying: draft.forManifest(manifest(failed: 1, rows: 10, writtenAt: first.addingTimeInterval(60)), path: "/o/t.manifest.json")) { _ in }
            rows = try await store.notifications(dropID: id)
            #expect(rows.map(\.event) == [.complete, .failureRate, .complete])
            let body = try JSONParser.parse(Array(rows[1].body.utf8))
            #expect(body["delivery_id"]?.stringValue == rows[1].deliveryID)
            #expect(body["alert"]?["failed"] == .int(6))
            #expect(body["manifest"]?["counts"]?["rows_in"] == .int(10))
        }
    }

    @Test func aReceiverFailingThreeTimesGetsTheSameSignedDeliveryOnTheFourthAttempt() async throws {
        try await withDrop { store, id in
            let draft = NotificationDraft(notify: Self.notify, pipeline: "tickets", dropID: id, fileName: "t.csv")
            let records = draft.forManifest(manifest(failed: 0, rows: 10, writtenAt: Date()), path: "/o/t.manifest.json")
            try await store.enqueueNotifications(records)
            let receiver = ScriptedReceiver([500, 503, 500, 200])
            let left = try await courier(store, receiver).drain(dropIDs: [id], within: .seconds(30))
            #expect(left == 0)
            let sent = receiver.requests
            #expect(sent.count == 4)
            #expect(Set(sent.map(\.body)).count == 1)
            #expect(Set(sent.map { $0.headers["Sluice-Delivery"] }) == [records[0].deliveryID])
            for request in sent {
                #expect(request.headers["Sluice-Event"] == "complete")
                #expect(request.headers["Content-Type"] == "application/json")
                #expect(WebhookSignature.verify(header: request.headers["Sluice-Signature"] ?? "", secret: "s3cret", body: request.body))
            }
            let row = try #require(try await store.notification(deliveryID: records[0].deliveryID))
            #expect(row.state == .delivered && row.attempts == 4 && row.lastStatus == 200 && row.deliveredAt != nil)
        }
    }

    @Test func aMissingSecretSendsNothingAndLeavesTheDeliveryPending() async throws {
        try await withDrop { store, id in
            let draft = NotificationDraft(notify: Self.notify, pipeline: "tickets", dropID: id, fileName: "t.csv")
            let record = draft.forManifest(manifest(failed: 0, rows: 1, writtenAt: Date()), path: "/o/m.json")[0]
            try await store.enqueueNotifications([record])
            let receiver = ScriptedReceiver([200])
            let settings = WebhookSettings(initialBackoff: .seconds(60), maxBackoff: .seconds(60), giveUpAfter: .zero)
            let left = try await courier(store, receiver, settings: settings, secret: nil).drain(dropIDs: [id], within: .seconds(1))
            #expect(left == 1 && receiver.requests.isEmpty)
            let row = try #require(try await store.notification(deliveryID: record.deliveryID))
            #expect(row.state == .pending && row.attempts == 0)
            #expect(row.lastError?.contains("HOOK_SECRET") == true)
            // The next process, with the variable set, sends it at once rather than after the long wait.
            try await store.retryMissingSecrets(now: Date())
            #expect(try await courier(store, receiver, settings: settings).drain(dropIDs: [id], within: .seconds(1)) == 0)
            let sent = try #require(try await store.notification(deliveryID: record.deliveryID))
            #expect(sent.state == .delivered && sent.attempts == 1 && receiver.requests.count == 1)
        }
    }

    @Test func aDeliveryFailingPastGiveUpAfterIsAbandoned() async throws {
        try await withDrop { store, id in
            let draft = NotificationDraft(notify: Self.notify, pipeline: "tickets", dropID: id, fileName: "t.csv")
            let record = draft.forManifest(manifest(failed: 0, rows: 1, writtenAt: Date()), path: "/o/m.json")[0]
            try await store.enqueueNotifications([record])
            let receiver = ScriptedReceiver([410])
            let settings = WebhookSettings(initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1), giveUpAfter: .zero)
            let left = try await courier(store, receiver, settings: settings).drain(dropIDs: nil, within: .seconds(5))
            #expect(left == 0 && receiver.requests.count == 1)
            let row = try #require(try await store.notification(deliveryID: record.deliveryID))
            #expect(row.state == .abandoned && row.attempts == 1 && row.lastError == "HTTP 410")
            let (counts, open) = try await store.notificationSummary()
            #expect(counts == NotificationCounts(pending: 0, delivered: 0, abandoned: 1))
            #expect(open.map(\.deliveryID) == [record.deliveryID])
        }
    }
}
