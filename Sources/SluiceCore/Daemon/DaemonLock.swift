import Foundation

/// One daemon per root: an exclusive `flock` on `.sluice/daemon.lock`, released when closed or the process ends.
final class DaemonLock: Sendable {
    let fd: Int32

    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw EngineError(code: "daemon.lock", message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw EngineError(
                code: "daemon.already_running",
                message: "another `sluice run` is serving this root (it holds \(path))")
        }
        self.fd = fd
    }

    func release() { close(fd) }
}
