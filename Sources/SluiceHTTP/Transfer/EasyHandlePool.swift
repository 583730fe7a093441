internal import CCurl
import Synchronization

/// One libcurl easy handle; it keeps its connection cache between transfers.
///
/// `@unchecked Sendable`: a handle is used by one transfer thread at a time. Ownership passes
/// through `EasyHandlePool`'s lock (taken out, used, reset, given back), never shared.
final class EasyHandle: @unchecked Sendable {
    /// The `CURL *`.
    let raw: UnsafeMutableRawPointer

    /// Creates a handle, or returns nil if libcurl is out of memory.
    init?() {
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
    }

    deinit {
        curl_easy_cleanup(raw)
    }
}

/// Idle easy handles kept so keep-alive connections are reused across requests.
final class EasyHandlePool: Sendable {
    /// Invariant: every handle in the array is reset and used by nobody.
    private let idle = Mutex<[EasyHandle]>([])
    private let capacity: Int

    /// Creates a pool that keeps at most `capacity` idle handles.
    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// An idle handle, or a new one.
    func take() -> EasyHandle? {
        if let handle = idle.withLock({ $0.popLast() }) { return handle }
        return EasyHandle()
    }

    /// Resets a handle (clearing every option and callback context) and keeps it if there is room.
    ///
    /// A handle whose transfer failed is still fine to reuse: libcurl closes a broken connection
    /// itself and keeps only healthy ones in the handle's cache.
    func giveBack(_ handle: EasyHandle) {
        curl_easy_reset(handle.raw)
        idle.withLock { handles in
            if handles.count < capacity { handles.append(handle) }
        }
    }
}
