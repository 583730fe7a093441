import Foundation
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct ObservationTests {
    @Test func backlogCountsOnlyFilesTheDaemonWouldClaim() async throws {
        try await withTemporaryDirectory { root in
            let inbox = root + "/inbox"
            try writeFile(inbox + "/tickets/a.csv", "id\n1\n")  // 5 bytes
            try writeFile(inbox + "/tickets/b.jsonl.gz", String(repeating: "x", count: 100))
            for ignored in [".hidden.csv", "c.csv.part", "d.csv.tmp", "_SUCCESS", "a.csv.done", "e.csv.approve"] {
                try writeFile(inbox + "/tickets/" + ignored, "ignored")
            }
            try FileManager.default.createDirectory(atPath: inbox + "/tickets/folder.csv", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: inbox + "/empty", withIntermediateDirectories: true)
            try writeFile(inbox + "/stray.csv", "not in a pipeline folder")
            let backlog = Observation.backlog(inboxRoot: inbox)
            #expect(backlog.keys.sorted() == ["empty", "tickets"])
            #expect(backlog["tickets"]?.files == 2 && backlog["tickets"]?.bytes == 105)
            #expect(backlog["empty"]?.files == 0 && backlog["empty"]?.bytes == 0)
        }
    }

    @Test func aMissingInboxRootIsAnEmptyBacklog() {
        #expect(Observation.backlog(inboxRoot: "/nonexistent/sluice/inbox").isEmpty)
    }

    @Test func unfinishedWorkIsReadFromTheState() async throws {
        try await withTemporaryDirectory { root in
            let store = try StateStore(path: root + "/state.sqlite")
            var drop = try await store.insertDrop(
                DropRecord(
                    key: DropRecord.newKey(), origin: .inbox, pipeline: "tickets", sourceName: "a.csv",
                    sourcePath: root + "/a.csv", sha256: "00", bytes: 5, specSHA256: "00", specText: nil,
                    receivedAt: Date()))
            try await store.updateDrop(id: drop.id!) {
                $0.stage = .staged
                $0.rowsIn = 42
            }
            drop = try #require(try await store.drop(id: drop.id!))
            let observation = try await Observation.load(store: store, paths: SluicePaths(root: root))
            #expect(observation.inFlightFiles == 1)
            #expect(observation.stages.map(\.rows) == [42])
            #expect(observation.stages.map(\.stage) == ["staged"])
            #expect(observation.inFlightBatches == 0)
            try await store.updateDrop(id: drop.id!) { $0.stage = .archived }
            #expect(try await Observation.load(store: store, paths: SluicePaths(root: root)).inFlightFiles == 0)
        }
    }
}
