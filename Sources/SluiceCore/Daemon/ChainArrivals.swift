import GRDB

extension StateStore {
    /// Paths of chained files (`then:`) renamed into an inbox: `--once` drains them too.
    func deliveredChainPaths() async throws -> Set<String> {
        try await queue.read { db in
            Set(try String.fetchAll(
                db, sql: #"SELECT chainPath FROM "drop" WHERE chainPath IS NOT NULL AND chainedAt IS NOT NULL"#))
        }
    }
}

extension Daemon {
    /// Files a stage of this run chained into the watched inboxes that are still waiting to be claimed.
    ///
    /// `--once` drains what was in the inbox when it started *and* what its own drops chained on, so one run
    /// takes a file through every stage of a chain instead of leaving the next stage's input for another run.
    func chainedArrivals(_ inboxes: [String: InboxWatch], store: StateStore) async throws -> [String: Set<String>] {
        let delivered = try await store.deliveredChainPaths()
        guard !delivered.isEmpty else { return [:] }
        var arrivals: [String: Set<String>] = [:]
        for (name, inbox) in inboxes {
            let waiting = inbox.listing().filter { delivered.contains(inbox.directory + "/" + $0) }
            if !waiting.isEmpty { arrivals[name] = Set(waiting) }
        }
        return arrivals
    }
}
