import Logging

/// The store's part in fault injection: call numbering, injected-fault counts and custom_id receipts.
extension EmulatorStore {
    /// The next non-realtime API call number (1-based since start or reset).
    func nextAPICall() -> UInt64 {
        apiCalls += 1
        return apiCalls
    }

    /// Adds injected faults to `faults_injected` and persists the counters.
    func countFaults(_ counts: [FaultKind: Int]) {
        guard counts.values.contains(where: { $0 > 0 }) else { return }
        for (kind, n) in counts { stats.faultsInjected[kind.rawValue, default: 0] += n }
        do { try saveStats() } catch { logger.error("could not save emulator stats", metadata: ["error": "\(error)"]) }
    }

    /// Records the custom_id receipts `keys` (see `CustomIDLedger.key`) in the receipts file.
    func recordCustomIDs(_ keys: [UInt64]) throws {
        try CustomIDLedger.append(keys, path: paths.customIDs)
    }

    /// `custom_ids` of `GET /_emulator/stats`, counted from the receipts file now.
    func customIDCounts() -> CustomIDLedger.Counts {
        CustomIDLedger.counts(path: paths.customIDs)
    }
}
